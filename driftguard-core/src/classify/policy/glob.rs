//! Location globs of ignore entries.
//!
//! A glob matches a whole string (anchored at both ends). `**` matches any run of
//! characters; `*` matches any run that crosses no `/` and no ` › ` (the human-path
//! separator), so it stays inside one pointer token or one path segment. Every other
//! character matches itself; there is no escape (a literal `*` is matched by a
//! wildcard). Three or more `*` in a row are the same as `**`.
//!
//! Matching is a dynamic programme over (pattern token, text position), linear in the
//! text length per token: no backtracking blow-up on hostile patterns or paths.

/// The human-path separator a single `*` does not cross.
const SEP: [char; 3] = [' ', '\u{203A}', ' '];

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Literal(Vec<char>),
    /// `*`: a run without `/` or ` › `.
    Star,
    /// `**`: any run.
    DoubleStar,
}

/// A compiled location glob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Glob {
    tokens: Vec<Token>,
}

impl Glob {
    /// Compiles a pattern (every string is a valid pattern).
    pub(crate) fn new(pattern: &str) -> Glob {
        let mut tokens = Vec::new();
        let mut literal = Vec::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '*' {
                literal.push(c);
                continue;
            }
            let mut stars = 1;
            while chars.peek() == Some(&'*') {
                chars.next();
                stars += 1;
            }
            if !literal.is_empty() {
                tokens.push(Token::Literal(std::mem::take(&mut literal)));
            }
            tokens.push(if stars == 1 {
                Token::Star
            } else {
                Token::DoubleStar
            });
        }
        if !literal.is_empty() {
            tokens.push(Token::Literal(literal));
        }
        Glob { tokens }
    }

    /// True if the glob matches the whole of `text`.
    pub(crate) fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        let n = text.len();
        // `limit[j]`: the furthest end of a `*` run starting at `j`.
        let mut limit = vec![n; n + 1];
        let mut next_slash = n;
        let mut next_sep: Option<usize> = None;
        for j in (0..n).rev() {
            if text.get(j) == Some(&'/') {
                next_slash = j;
            }
            if text.get(j..j + 3) == Some(&SEP[..]) {
                next_sep = Some(j);
            }
            let sep_end = next_sep.map_or(n, |p| p + 2);
            if let Some(l) = limit.get_mut(j) {
                *l = next_slash.min(sep_end);
            }
        }
        // `next[j]`: the tokens after the current one match `text[j..]`.
        let mut next: Vec<bool> = (0..=n).map(|j| j == n).collect();
        for token in self.tokens.iter().rev() {
            let mut cur = vec![false; n + 1];
            match token {
                Token::Literal(lit) => {
                    for (j, slot) in cur.iter_mut().enumerate() {
                        let end = j + lit.len();
                        *slot = text.get(j..end) == Some(&lit[..])
                            && next.get(end).copied().unwrap_or(false);
                    }
                }
                Token::DoubleStar => {
                    let mut any = false;
                    for j in (0..=n).rev() {
                        any |= next.get(j).copied().unwrap_or(false);
                        if let Some(slot) = cur.get_mut(j) {
                            *slot = any;
                        }
                    }
                }
                Token::Star => {
                    // prefix[k] = number of true in next[..k].
                    let mut prefix = Vec::with_capacity(n + 2);
                    prefix.push(0usize);
                    let mut count = 0;
                    for &b in &next {
                        count += usize::from(b);
                        prefix.push(count);
                    }
                    for (j, slot) in cur.iter_mut().enumerate() {
                        let end = limit.get(j).copied().unwrap_or(n);
                        let hi = prefix.get(end + 1).copied().unwrap_or(count);
                        let lo = prefix.get(j).copied().unwrap_or(count);
                        *slot = hi > lo;
                    }
                }
            }
            next = cur;
        }
        next.first().copied().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::Glob;

    fn m(pattern: &str, text: &str) -> bool {
        Glob::new(pattern).matches(text)
    }

    #[test]
    fn literal_is_anchored() {
        assert!(m("GET /pets", "GET /pets"));
        assert!(!m("GET /pets", "GET /pets/{id}"));
        assert!(!m("GET /pets", "xGET /pets"));
        assert!(!m("GET /pets", "GET /pet"));
        assert!(m("", ""));
        assert!(!m("", "a"));
    }

    #[test]
    fn star_stays_in_one_segment_or_token() {
        assert!(m("DELETE /pets/*", "DELETE /pets/{petId}"));
        assert!(m("DELETE /pets/*", "DELETE /pets/"));
        assert!(!m("DELETE /pets/*", "DELETE /pets/{petId}/photos"));
        assert!(!m("DELETE /pets/*", "DELETE /pets/{petId} › response 200"));
        assert!(m("* /pets", "GET /pets"));
        assert!(m("tool * › input › bcc", "tool sendEmail › input › bcc"));
        assert!(!m("tool *", "tool sendEmail › input › bcc"));
        assert!(m("/surface/tools/*", "/surface/tools/sendEmail"));
        assert!(!m("/surface/tools/*", "/surface/tools/sendEmail/input"));
        // `*` may hold the separator's characters, just not the whole separator.
        assert!(m("a*b", "a ›b"));
        assert!(m("a*b", "a› b"));
        assert!(!m("a*b", "a › b"));
        assert!(m("a*› b", "a › b"));
        assert!(m("*", ""));
        assert!(m("**", ""));
        assert!(m("a*", "a"));
    }

    #[test]
    fn double_star_crosses_everything() {
        assert!(m("tool sendEmail › **", "tool sendEmail › input › bcc"));
        assert!(m("**", "anything / at › all"));
        assert!(m(
            "/surface/**/bcc",
            "/surface/tools/sendEmail/input/properties/bcc"
        ));
        assert!(!m(
            "/surface/**/bcc",
            "/surface/tools/sendEmail/input/properties/cc"
        ));
        assert!(m("GET /pets**", "GET /pets/{id} › response 200"));
        assert!(m("***", "a/b › c"));
        assert!(m("**/*", "a/b/c"));
        assert!(!m("**/*", "abc"));
    }

    #[test]
    fn several_wildcards_and_backtracking() {
        assert!(m("*/*/*", "a/b/c"));
        assert!(!m("*/*/*", "a/b"));
        assert!(m("*a*a*a", "aaaa"));
        assert!(!m("*a*a*a", "aab"));
        assert!(!m("GET *", "GET /pets"));
        assert!(m("GET **", "GET /pets"));
        assert!(m("*ab*ab*", "xxabyyabzz"));
    }

    #[test]
    fn unicode_and_long_hostile_input_are_linear() {
        assert!(m("tool 📧 › *", "tool 📧 › bcc"));
        assert!(m("é*", "élan"));
        let long = "a".repeat(20_000);
        let pattern = "*a".repeat(50) + "b";
        assert!(!m(&pattern, &long));
        let pattern = "**a".repeat(50);
        assert!(m(&pattern, &long));
    }

    /// A plain backtracking matcher, straight from the definition, to check the
    /// dynamic programme against.
    fn reference(p: &[char], t: &[char]) -> bool {
        match p {
            [] => t.is_empty(),
            ['*', '*', rest @ ..] => {
                let rest: Vec<char> = rest.iter().copied().skip_while(|c| *c == '*').collect();
                (0..=t.len()).any(|k| reference(&rest, &t[k..]))
            }
            ['*', rest @ ..] => (0..=t.len()).any(|k| {
                let run: String = t[..k].iter().collect();
                !run.contains('/') && !run.contains(" \u{203A} ") && reference(rest, &t[k..])
            }),
            [c, rest @ ..] => t.first() == Some(c) && reference(rest, &t[1..]),
        }
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_the_reference(
            p in proptest::collection::vec(proptest::sample::select(vec!['a', '/', ' ', '\u{203A}', '*']), 0..8),
            t in proptest::collection::vec(proptest::sample::select(vec!['a', '/', ' ', '\u{203A}']), 0..12),
        ) {
            let pattern: String = p.iter().collect();
            let text: String = t.iter().collect();
            proptest::prop_assert_eq!(m(&pattern, &text), reference(&p, &t), "{:?} vs {:?}", pattern, text);
        }

        #[test]
        fn a_pattern_without_stars_is_equality(a in "[a/ \u{203A}]{0,6}", b in "[a/ \u{203A}]{0,6}") {
            proptest::prop_assert_eq!(m(&a, &b), a == b);
            proptest::prop_assert!(m("**", &b));
        }
    }
}

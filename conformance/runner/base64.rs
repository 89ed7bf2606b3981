//! Strict standard base64 (RFC 4648 §4, with `=` padding), for `{"base64": …}` inputs.

/// Decodes standard base64 with padding. Whitespace is not allowed: a vector's bytes
/// must be unambiguous.
pub(crate) fn decode(s: &str) -> Result<Vec<u8>, String> {
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return Err(format!(
            "base64 input length {} is not a multiple of 4",
            bytes.len()
        ));
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let chunks = bytes.len() / 4;
    for (n, chunk) in bytes.chunks(4).enumerate() {
        let last = n + 1 == chunks;
        let mut acc: u32 = 0;
        let mut pad = 0;
        for (i, &c) in chunk.iter().enumerate() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' if last && i >= 2 => {
                    pad += 1;
                    0
                }
                _ => return Err(format!("invalid base64 character {:?}", char::from(c))),
            };
            if pad > 0 && c != b'=' {
                return Err("invalid base64: data after padding".into());
            }
            acc = (acc << 6) | u32::from(v);
        }
        let [_, a, b, c] = acc.to_be_bytes();
        out.push(a);
        if pad < 2 {
            out.push(b);
        }
        if pad < 1 {
            out.push(c);
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::decode;

    #[test]
    fn rfc4648_examples() {
        for (enc, dec) in [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
        ] {
            assert_eq!(decode(enc).unwrap(), dec.as_bytes(), "{enc}");
        }
        assert_eq!(decode("/+8=").unwrap(), vec![0xff, 0xef]);
    }

    #[test]
    fn rejects_malformed() {
        for bad in ["Zg=", "Zg=a", "Z===", "Zm9v\n", "Zm9v!A==", "Zg==Zg=="] {
            assert!(decode(bad).is_err(), "{bad}");
        }
    }
}

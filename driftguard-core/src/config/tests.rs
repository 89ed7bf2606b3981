use super::*;

#[test]
fn minimal_config_uses_defaults() {
    let c = Config::parse("[[surface]]\nname = \"a\"\nfile = \"a.json\"\n").unwrap();
    assert_eq!(c.defaults, Defaults::default());
    assert_eq!(c.surfaces.len(), 1);
    assert_eq!(c.surfaces[0].interval, DEFAULT_INTERVAL);
    assert_eq!(Config::parse(&c.to_toml()).unwrap(), c);
}

#[test]
fn empty_config_is_valid() {
    let c = Config::parse("").unwrap();
    assert!(c.surfaces.is_empty());
    assert_eq!(Config::parse(&c.to_toml()).unwrap(), c);
}

#[test]
fn backoff_saturates() {
    let s = Duration::from_secs(1);
    assert_eq!(backoff(s, 0, Duration::MAX), s);
    assert_eq!(backoff(s, 4, Duration::MAX), Duration::from_secs(16));
    assert_eq!(
        backoff(s, 4, Duration::from_secs(10)),
        Duration::from_secs(10)
    );
    assert_eq!(
        backoff(s, u32::MAX, Duration::from_secs(7)),
        Duration::from_secs(7)
    );
    assert_eq!(backoff(Duration::MAX, 3, Duration::MAX), Duration::MAX);
}

#[test]
fn poll_delay_never_shrinks_below_the_interval() {
    let w = Watch {
        jitter: 0.5,
        max_backoff: Duration::from_secs(60),
        ..Watch::default()
    };
    let day = Duration::from_secs(86_400);
    assert_eq!(w.poll_delay(day, 5, 0.0), day);
    assert_eq!(w.poll_delay(day, 0, 1.0), day + day / 2);
    assert_eq!(w.poll_delay(day, 0, f64::NAN), day);
    assert_eq!(w.poll_delay(day, 0, 7.0), day + day / 2);
}

#[test]
fn poll_delay_survives_hostile_fields() {
    for jitter in [f64::NAN, f64::INFINITY, -1.0, 1e300] {
        let w = Watch {
            jitter,
            ..Watch::default()
        };
        let _ = w.poll_delay(Duration::MAX, u32::MAX, 0.9);
        let _ = w.poll_delay(Duration::from_secs(60), 3, 0.9);
    }
}

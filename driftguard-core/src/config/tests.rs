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

//! The `capture` command of the bindings' command lines.
//!
//! The core does no I/O, so it cannot capture anything itself: each binding fetches the
//! file, URL, MCP server, endpoint or package and hands the bytes to the core. What the
//! core owns is the command's text, so that `driftguard capture --help` and the usage
//! errors print the same bytes in every binding.

/// The usage of the bindings' `capture` command, one text for every binding so their
/// `--help` and usage errors print the same bytes. Every option it names is accepted by
/// every binding's parser (each binding has a test for that).
pub const USAGE: &str = "\
usage: driftguard capture SOURCE [--format FORMAT] [--header 'Name: value']...
       driftguard capture --mcp-stdio [--env KEY=VALUE]... [--cwd DIR] -- CMD [ARGS...]
       driftguard capture --mcp-http URL [--header 'Name: value']...
       driftguard capture --endpoint URL [--samples N] [--interval-ms MS]
                          [--header 'Name: value']...
       driftguard capture --package npm:NAME[@RANGE]|pypi:NAME[==VERSION]
every form also takes [-o FILE] [--document] [--timeout SECS] (before the -- of
--mcp-stdio: what follows it is the server's command line)

Capture a contract and print its canonical snapshot (exactly what `driftguard snapshot`
prints for the captured document), to stdout or -o FILE.

sources (exactly one):
  SOURCE                 a file, - (stdin) or an http(s) URL (JSON or YAML)
  --mcp-stdio -- CMD...  start an MCP server and read its catalog over stdio
  --mcp-http URL         read an MCP server's catalog over Streamable HTTP
  --endpoint URL         sample a JSON endpoint N times and infer its schema
  --package SPEC         a published package: npm:NAME[@VERSION|RANGE|TAG] (default
                         latest) or pypi:NAME[==VERSION] (default the latest release),
                         from the registry npm and pip are configured with (npm:
                         npm_config_registry, .npmrc; PyPI: PIP_INDEX_URL, pip.conf),
                         verified, extracted in memory and cached by integrity

options:
  -o, --output FILE      write to FILE instead of stdout (- is stdout)
  --format FORMAT        SOURCE's format: auto (default), openapi, swagger,
                         json-schema, mcp, samples, snapshot, package
  --header 'Name: value' an HTTP header of SOURCE (a URL), --mcp-http or --endpoint;
                         the value may use ${VAR} (from the environment), never echoed
  --env KEY=VALUE        --mcp-stdio: an environment variable of the server (which
                         gets only these besides PATH, HOME…); the value may use ${VAR}
  --cwd DIR              --mcp-stdio: the server's working directory
  --timeout SECS         give up after SECS seconds (default 30)
  --samples N            --endpoint: how many responses (default 3)
  --interval-ms MS       --endpoint: pause between two samples (default 1000)
  --document             write the captured document instead of its snapshot (SOURCE's
                         bytes, the MCP capture document, the samples array, or the
                         package capture document with its code files' texts)
  -h, --help             print this help

environment:
  DRIFTGUARD_CACHE       where --package caches artifacts (in its packages/ directory;
                         default: $XDG_CACHE_HOME/driftguard, else ~/.cache/driftguard)

examples:
  driftguard capture https://petstore3.swagger.io/api/v3/openapi.json -o petstore.json
  driftguard capture --header 'Authorization: Bearer ${API_TOKEN}' https://api.example.com/openapi.yaml
  driftguard capture --mcp-stdio -o time.json -- uvx mcp-server-time
  driftguard capture --mcp-http http://127.0.0.1:3001/mcp --document
  driftguard capture --endpoint https://api.example.com/v1/status --samples 5
  driftguard capture --package npm:@modelcontextprotocol/server-everything@2026.1.26
  driftguard diff pypi:mcp-server-time==2026.10.10 pypi:mcp-server-time==2026.10.19
  driftguard diff time.json time-new.json --format markdown

exit codes: 0 captured; 2 a usage error (error: message, then this text) or a capture
error (error[CODE]: message), on stderr
";

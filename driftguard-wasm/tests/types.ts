// Compiled by `tsc -p tsconfig.json` (strict): the declarations of the web build describe
// the API the README shows, and misuse is a type error.
import init, { diff, parse, render, reveal, rules, type DriftGuardError, type Report, type Severity } from "../dist/web/driftguard_wasm.js";

export async function example(oldText: string, newBytes: Uint8Array): Promise<string> {
  await init();
  const report: Report = diff(oldText, newBytes, { format: "openapi", policy: { profile: "strict" }, today: "2026-11-24" });
  const worst: Severity | undefined = report.changes[0]?.severity;
  const snapshot = parse(oldText, { format: "auto" });
  const digest: string = snapshot.digest;
  const hidden: string[] = reveal("a\u200Bb").segments.filter((s) => s.hidden).map((s) => s.text);
  const ids: string[] = rules().rules.map((r) => r.id);
  try {
    parse("{", undefined);
  } catch (e) {
    const code: DriftGuardError["code"] = (e as DriftGuardError).code;
    return `${code} ${digest} ${worst} ${hidden.join()} ${ids.length}`;
  }
  // @ts-expect-error an unknown output format is a type error
  render(report, "html", undefined);
  // @ts-expect-error numbers are not inputs
  parse(42, undefined);
  return render(report, "markdown", { failOn: "dangerous" });
}

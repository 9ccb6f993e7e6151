"""Run the rules: loader problems → schema → per-resource → cross-resource, then resolve positions.

Rules yield position-free `Report`s; here they become `Finding`s with file, line and column. A rule that
crashes becomes an RL999 finding (re-raised with --debug) so one bad rule never hides the others.
"""

from __future__ import annotations

import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from rolloutlint.core.config import Config
from rolloutlint.core.findings import Edit, Finding, Fix, Location, Related, RelatedRef, Report, Severity, format_path
from rolloutlint.core.source import SourceFile
from rolloutlint.core.model import Resource
from rolloutlint.core.positions import locate
from rolloutlint.core.rule import Context, Rule
from rolloutlint.run.locate import Locator
from rolloutlint.run.registry import RuleSet, is_builtin
from rolloutlint.run.touching import primary_file

UNSUPPRESSIBLE = frozenset({"RL001", "RL999"})


def reported_files(files: Iterable[SourceFile], report_files: set[Any] | None) -> set[int] | None:
    """ids of the loaded files whose findings are reported (None: all of them)."""
    if report_files is None:
        return None
    return {id(src) for src in files if src.path in report_files}


def selected_rule_ids(config: Config, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> set[str]:
    """`select` narrows (default: all), `ignore` removes; CLI selections add to config ones."""
    selectors = [*config.select, *select]
    chosen: set[str] = set()
    rules = RuleSet(config.policy_rules)  # the project's policies are selectable like built-in rules
    if selectors:
        for sel in selectors:
            chosen |= rules.resolve(sel)
    else:
        chosen = rules.resolve("all")
    for ign in [*config.ignore, *ignore]:
        chosen -= rules.resolve(ign)
    chosen.add("RL999")
    return chosen



def _by_file(reports: list[Report]) -> list[list[int]]:
    """Report indexes grouped by the file their position is looked up in (first appearance first)."""
    groups: dict[int, list[int]] = {}
    for i, rep in enumerate(reports):
        res = rep.resource
        groups.setdefault(id(res.file) if rep.position is None and res is not None else 0, []).append(i)
    return list(groups.values())


class Engine:
    def __init__(self, ctx: Context, rule_ids: set[str], debug: bool = False, keep_fixes: bool = False) -> None:
        self.ctx = ctx
        self.keep_fixes = keep_fixes
        self.fixes: dict[int, Report] = {}  # with keep_fixes: id(finding) -> its report, for findings with a fix
        self.debug = debug
        self.rule_ids = rule_ids
        self.known = RuleSet(ctx.config.policy_rules)
        self.rules = [cls() for cls in self.known.select(rule_ids)]
        self.locator = Locator()
        self.foreign: set[Any] = set()  # files outside the manifests whose RL004 the summary counts (`run.foreign`)

    def run(self, report_files: set[Any] | None = None, units: AbstractSet[str] = frozenset()) -> list[Finding]:
        """All findings for resources (and files) whose file is in `report_files` (None: every file), and for
        the objects of `units` (the deployment units whose kustomization is named, `run.touching.units_named`).

        Order: loader problems, then per stage (0 schema, 1 per-resource, 2 cross-resource) the
        per-resource rules, then the project-wide rules. This loop runs a rule per resource per kind
        (hundreds of thousands of calls on a large repository), so it dispatches through prebuilt tables
        and calls rules directly: a try block costs nothing until a rule raises.
        """
        ctx = self.ctx
        reports: list[Report] = list(self._loader_reports(report_files))
        table: dict[tuple[int, str], list[Rule]] = defaultdict(list)
        repo_rules: list[Rule] = []
        for rule in sorted(self._applicable(), key=lambda r: (r.stage, r.id)):
            if rule.kinds:
                for kind in rule.kinds:
                    table[(rule.stage, kind)].append(rule)
            else:
                repo_rules.append(rule)
        stages = sorted({stage for stage, _ in table})
        # Per stage: kind -> the check methods of the rules for that kind, then of the rules for any kind
        # (bound once here, not once per call).
        def tables(keep: Callable[[Rule], bool]) -> list[tuple[dict[str, list[Any]], list[Any]]]:
            def kept(rules: list[Rule]) -> list[Callable[[Resource, Context], Any]]:
                return [rule.check for rule in rules if keep(rule)]

            return [({kind: kept(table[(st, kind)] + table.get((stage, "*"), [])) for st, kind in table
                      if st == stage and kind != "*"}, kept(table.get((stage, "*"), []))) for stage in stages]

        everything = tables(lambda rule: True)
        # In a partial lint, an object of a file nobody named is checked only by the rules that look past it
        # (`cross_resource`): any other rule reports on that object alone, with every location in its own
        # file, so none of its findings could be reported. Rendered objects are always checked in full
        # (their nodes come from patches and values files); project policies too (they may look anywhere).
        outside = everything if report_files is None else \
            tables(lambda rule: rule.cross_resource or not is_builtin(rule.id))

        def plan_for(res: Resource) -> list[tuple[dict[str, list[Any]], list[Any]]]:
            if report_files is None or res.file.path in report_files or res.extra.get("unit"):
                return everything
            return outside

        def per_resource(chunk: Sequence[Resource]) -> list[Report]:
            out: list[Report] = []
            extend = out.extend
            plans = [plan_for(res) for res in chunk]  # once per object, not once per stage
            for stage in range(len(stages)):
                for res, plan in zip(chunk, plans):
                    by_kind, any_kind = plan[stage]
                    for check in by_kind.get(res.kind, any_kind):
                        try:
                            extend(check(res, ctx) or ())
                        except Exception as exc:  # noqa: BLE001 - a crashing rule must not hide the others' findings
                            out.append(self._crashed(check.__self__, exc, res))
            return out

        # Every loaded object is checked: a finding about another file is reported for a named one when one of
        # its locations (primary or related) lies there. A partial lint loads only what can matter to the
        # named files (load/relevance), so this stays cheap.
        resources = ctx.index.resources

        def repo_job(rule: Rule) -> Callable[[], list[Report]]:
            def job() -> list[Report]:
                try:
                    found = list(rule.check_repo(ctx) or ())
                except Exception as exc:  # noqa: BLE001 - a crashing rule must not hide the others' findings
                    found = [self._crashed(rule, exc, None)]
                return found
            return job

        jobs = [repo_job(rule) for rule in repo_rules]
        if self.debug:  # tracebacks must come from this process
            reports.extend(per_resource(resources))
            for job in jobs:
                reports.extend(job())
        else:
            from rolloutlint.run.parallel import run_split

            reports.extend(run_split(resources, ctx.index.resources, per_resource, jobs))
        from rolloutlint.run.progress import current as progress

        if report_files is not None:  # a partial lint: locate only what it may report
            from rolloutlint.run.touching import reportable

            reports = reportable(reports, {src.display for src in ctx.files if src.path in report_files}, units)
        # Located file by file: every path a file's findings point at (related locations included) is
        # collected first and each document walked once for all of them; the findings keep the reports' order.
        resolved: list[Finding | None] = [None] * len(reports)
        done = 0
        locator = self.locator
        try:
            for group in _by_file(reports):
                if reports[group[0]].position is None:
                    for i in group:
                        rep = reports[i]
                        if rep.resource is not None and rep.position is None:
                            locator.need(rep.resource, rep.path)
                        for rel in rep.related:
                            if rel.resource is not None:
                                locator.need(rel.resource, rel.path)
                    locator.flush()
                for i in group:
                    resolved[i] = self._resolve_kept(reports[i])
                done += len(group)
                progress.tick("findings located", done, len(reports))
        finally:
            locator.release()
        findings = dedupe(resolved)
        if report_files is None:
            return findings
        named = {src.display for src in ctx.files if src.path in report_files}
        return [f for f in findings if f.location.file in named or any(u in units for u in f.units) or
                any(r.location is not None and r.location.file in named for r in f.related)]

    def _applicable(self) -> list[Rule]:
        """The rules that can report in this run (`Rule.applies`); a rule whose answer crashes is run, so that
        its crash is reported where it checks."""
        out = []
        for rule in self.rules:
            try:
                if not rule.applies(self.ctx):
                    continue
            except Exception:  # the rule itself will crash or report; never skip it on an error
                if self.debug:
                    raise
            out.append(rule)
        return out

    def _resolve_kept(self, rep: Report) -> Finding | None:
        found = self.resolve(rep)
        if self.keep_fixes and found is not None and rep.fix is not None:
            self.fixes[id(found)] = rep
        return found

    def _crashed(self, rule: Rule, exc: Exception, res: Resource | None) -> Report:
        if self.debug:
            raise exc
        where = res.label() if res is not None else "the project"
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return Report("RL999", f"rule {rule.id} ({rule.name}) crashed on {where}: {detail}; please report this", res)

    def _loader_reports(self, report_files: set[Any] | None) -> Iterable[Report]:
        from rolloutlint.run.foreign import foreign_files

        packs = self.ctx.config.policy_files
        foreign = self.foreign = foreign_files(self.ctx.files, self.ctx.index)  # counted in the summary instead
        for src in self.ctx.files:
            if report_files is not None and src.path not in report_files:
                continue
            if packs and src.path in packs:
                continue  # a policy pack is tool configuration (already validated), not a manifest
            for p in src.problems:
                if p.rule_id == "RL004" and src.path in foreign:
                    continue
                end_line = p.end_line or p.line
                end_col = p.end_column or p.column
                yield Report(p.rule_id, p.message, file=src.display, position=(p.line, p.column, end_line, end_col))
            for doc in src.documents:
                for dup in doc.duplicates:
                    line, col, eline, ecol = locate(doc.node, dup.path, key=True)
                    fix = Fix(f"delete the repeated {dup.key!r} (same value as line {dup.first_line})",
                              (Edit("delete", dup.path),)) if dup.same_value else None
                    yield Report("RL003", f"duplicate key {format_path(dup.path)!r}: {dup.key!r} is already set in this "
                                 f"mapping (first at line {dup.first_line}); Kubernetes' strict decoding rejects the object",
                                 file=src.display, position=(line, col, eline, ecol), fix=fix)

    def resolve(self, rep: Report) -> Finding | None:
        rule = self.known.get(rep.rule_id)
        if rule is None or rep.rule_id not in self.rule_ids:
            return None
        severity = self.ctx.config.severity.get(rule.id) or rep.severity or rule.severity
        res = rep.resource
        file = primary_file(rep)
        if rep.position is not None:
            line, col, eline, ecol = rep.position
        elif res is not None:
            span = self.locator.inner(res, rep.path, rep.inner) if rep.inner else None
            line, col, eline, ecol = span or self.locator.span(res, rep.path, rep.key)
        else:
            line = col = eline = ecol = 1
        if file is None:  # a rendered object's nodes carry the file that set them
            from rolloutlint.load.render.origins import file_at

            assert res is not None  # only an object's report waits for locating to know its file
            file = file_at(res.node, rep.path, rep.key) or res.file.display
        related = tuple(self._resolve_related(r) for r in rep.related)
        unit = res.extra.get("unit") if res is not None else None
        entry = res.extra.get("unit_file") if unit and res is not None else None
        if entry is not None and entry[0] != file:
            related += (Related(Location(entry[0], entry[1], 1, entry[1], 1), f"rendered by {unit}"),)
        written = res.extra.get("written_at") if res is not None else None
        if written is not None and written[0] != file:
            # Found in a values file or a patch: the template or base that writes the object is named too (a
            # pre-commit run that stages only it reports the finding).
            assert res is not None
            related += (Related(Location(written[0], written[1], 1, written[1], 1),
                                f"{res.kind} {res.name or ''} is written here"),)
        # Edits apply to raw files only, and never to a template that several generated Applications share.
        fix = None if res is not None and (res.extra.get("rendered") or res.extra.get("generated")) else rep.fix
        return Finding(rule=rule.id, name=rule.name, severity=severity, message=rep.message,
                       location=Location(file, line, col, eline, ecol), path=format_path(rep.path),
                       resource=res.ref if res is not None else None, related=related, fix=fix,
                       units=(unit,) if unit else ())

    def _resolve_related(self, rel: RelatedRef) -> Related:
        res = rel.resource
        if res is None:
            return Related(None, rel.message)
        line, col, eline, ecol = self.locator.span(res, rel.path, rel.key)
        file = res.file.display
        if res.extra.get("rendered"):
            from rolloutlint.load.render.origins import file_at

            file = file_at(res.node, rel.path, rel.key) or file
        return Related(Location(file, line, col, eline, ecol), rel.message)


def _related_order(rel: Related) -> tuple[Any, ...]:
    loc = rel.location
    return (loc.file, loc.line, loc.column, rel.message) if loc is not None else ("", 0, 0, rel.message)


def dedupe(findings: Iterable[Finding | None]) -> list[Finding]:
    """One finding per (rule, location, message); a defect several units share lists all their units."""
    seen: dict[tuple[Any, ...], Finding] = {}
    out: list[Finding] = []
    for f in findings:
        if f is None:
            continue
        key = (f.rule, f.location, f.message)
        first = seen.get(key)
        if first is not None:
            # Merged whatever order the duplicates arrive in (a forked rule worker changes the order).
            if f.units:
                first.units = tuple(sorted({*first.units, *f.units}))
            if f.related != first.related:
                first.related = tuple(sorted({*first.related, *f.related}, key=_related_order))
            if f.fix is not None and (first.fix is None or f.fix.description < first.fix.description):
                first.fix = f.fix
            first.fingerprint = min(first.fingerprint, f.fingerprint)
            continue
        seen[key] = f
        out.append(f)
    out.sort(key=Finding.sort_key)
    return out


def count(findings: Iterable[Finding]) -> dict[str, int]:
    out = {"errors": 0, "warnings": 0, "infos": 0}
    for f in findings:
        if f.suppressed is None:
            out[{Severity.ERROR: "errors", Severity.WARNING: "warnings", Severity.INFO: "infos"}[f.severity]] += 1
    return out

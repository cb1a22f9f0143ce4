#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""
schema-check: validates intake messages against Datadog's JSON schemas.

    schema-check.py [--allow REGEX]... SCHEMA_DIR MESSAGES.jsonl [TYPE...]

MESSAGES.jsonl holds one message a line, the JSON inside an intake log
entry's "message" (cws-test-intake's messages.jsonl). Each is validated as
Datadog's own tests validate it: a rule event against message.schema.json
and, where one exists, <evt.name>.schema.json; ruleset_loaded, heartbeat
and self_test against theirs; other custom events (lost_events_read, ...)
against none. $ref between files resolves by file name; each
file is read with the draft its "$schema" names. As in Datadog's tests
(gojsonschema), an "additional property" error at the top level is
ignored, and format ValidInode wants an inode other than 0.

Prints one line per violation, "TYPE: $.json.path: rule KEYWORD of
FILE#/schema/path: what", and one line per TYPE given that no message
had. A violation whose line matches an --allow REGEX (a gap another
piece of work closes) is counted on stderr, not printed, and does not
fail. Then a summary on stderr. Exits 0 when every message validated and
every TYPE was seen, 1 otherwise, 2 on a usage error or unreadable input.
"""
import json
import os
import re
import sys

try:
    import jsonschema
    import referencing
    import referencing.jsonschema
except ImportError as e:  # the caller skips on 3
    print(f"schema-check: error: {e}", file=sys.stderr)
    sys.exit(3)

PROG = "schema-check"

# Datadog's custom events (pkg/security/events/custom.go) and the schemas
# their tests hold them to; none for the others.
CUSTOM = {
    "ruleset_loaded": ["ruleset_loaded.schema.json"],
    "heartbeat": ["heartbeat.schema.json"],
    "self_test": ["self_test_schema.json"],
    "lost_events_read": [],
    "lost_events_write": [],
    "abnormal_path": [],
    "anomaly_detection": [],
    "no_process_context": [],
    "broken_process_lineage": [],
    "internal_core_dump": [],
}


def load_registry(folder):
    resources = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            doc = json.load(f)
        spec = referencing.jsonschema.specification_with(
            doc.get("$schema", "https://json-schema.org/draft/2020-12/schema"),
            default=referencing.jsonschema.DRAFT202012,
        )
        # By file name, as Datadog's tests load them: an "$id" may be
        # wrong (hash.schema.json says it is kill.schema.json).
        doc["$id"] = name
        if "id" in doc and spec is referencing.jsonschema.DRAFT4:
            doc["id"] = name
        resources.append((name, spec.create_resource(doc)))
    return referencing.Registry().with_resources(resources)


def format_checker():
    fc = jsonschema.FormatChecker()

    @fc.checks("ValidInode")
    def valid_inode(v):
        return not isinstance(v, int) or isinstance(v, bool) or v != 0

    return fc


def json_path(path):
    out = "$"
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def ignored(err):
    return err.validator == "additionalProperties" and not err.absolute_path


def leaves(err):
    """The errors that matter under err, or [] when err is ignored.

    An anyOf/oneOf holds when one of its branches fails only for ignored
    errors; otherwise the branch that came closest stands for it.
    """
    if ignored(err):
        return []
    if err.validator not in ("anyOf", "oneOf") or not err.context:
        return [err]
    branches = {}
    for sub in err.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    best = None
    for i in range(len(err.validator_value)):
        found = [x for sub in branches.get(i, []) for x in leaves(sub)]
        if not found and err.validator == "anyOf":
            return []
        if best is None or len(found) < len(best):
            best = found
    # A oneOf with a branch that holds failed because more than one did.
    return best or [err]


def where(err, schema_name):
    sp = "/".join(str(p) for p in err.absolute_schema_path)
    return f"{schema_name}#/{sp}"


def main(argv):
    allow = []
    args = argv[1:]
    while len(args) >= 2 and args[0] == "--allow":
        try:
            allow.append(re.compile(args[1]))
        except re.error as e:
            print(f"{PROG}: error: bad --allow '{args[1]}': {e}",
                  file=sys.stderr)
            return 2
        args = args[2:]
    if len(args) < 2:
        print(f"usage: {PROG} [--allow REGEX]... SCHEMA_DIR MESSAGES.jsonl "
              "[TYPE...]", file=sys.stderr)
        return 2
    folder, messages, expected = args[0], args[1], args[2:]
    allowed = 0
    try:
        registry = load_registry(folder)
    except (OSError, ValueError) as e:
        print(f"{PROG}: error: cannot load schemas from '{folder}': {e}",
              file=sys.stderr)
        return 2
    fc = format_checker()
    validators = {}

    def validator(name):
        if name not in validators:
            try:
                schema = registry.contents(name)
            except referencing.exceptions.NoSuchResource:
                validators[name] = None
                return None
            cls = jsonschema.validators.validator_for(schema)
            validators[name] = cls(schema, registry=registry,
                                   format_checker=fc)
        return validators[name]

    seen, bad, total = {}, 0, 0
    try:
        f = open(messages, encoding="utf-8")
    except OSError as e:
        print(f"{PROG}: error: cannot open '{messages}': {e.strerror}",
              file=sys.stderr)
        return 2
    with f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                msg = json.loads(line)
            except ValueError as e:
                print(f"{PROG}: {messages}:{lineno}: not JSON: {e}")
                bad += 1
                continue
            rule_id = (msg.get("agent") or {}).get("rule_id")
            if rule_id in CUSTOM:
                etype, schemas = rule_id, CUSTOM[rule_id]
            else:
                etype = (msg.get("evt") or {}).get("name", "?")
                schemas = ["message.schema.json", etype + ".schema.json"]
            total += 1
            seen[etype] = seen.get(etype, 0) + 1
            errs = []
            for name in schemas:
                v = validator(name)
                if v is None:
                    continue
                for err in v.iter_errors(msg):
                    errs += [(e, name) for e in leaves(err)]
            done = set()
            for e, name in errs:
                text = (f"{etype}: {json_path(e.absolute_path)}: rule "
                        f"{e.validator} of {where(e, name)}: {e.message}")
                if any(a.search(text) for a in allow):
                    allowed += 1
                elif text not in done:
                    done.add(text)
                    print(text[:400])
            if done:
                bad += 1
    missing = [t for t in expected if t not in seen]
    for t in missing:
        print(f"{t}: no message")
    print(f"{PROG}: {total - bad} of {total} messages valid, "
          f"{len(seen)} types, {len(missing)} expected types missing, "
          f"{allowed} violations allowed", file=sys.stderr)
    return 1 if bad or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

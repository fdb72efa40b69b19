#!/usr/bin/env python3
"""Generates src/filter/field_table.cc from botocore's securityhub service model.

For every member of AwsSecurityFindingFilters (the GetFindings `Filters` shape) it derives
  - the filter type, from the member's list shape (StringFilterList -> kString, ...), and
  - the ASFF path the filter reads, by searching the AwsSecurityFinding shape tree.

A filter name is mostly the concatenation of the member names along its ASFF path: list members may
appear in the singular (Resources -> "Resource", ThreatIntelIndicators -> "ThreatIntelIndicator")
and Resources[].Details is left out ("ResourceAwsEc2InstanceType"). The search must find exactly
one path whose leaf fits the filter type; the few names that do not follow the pattern are listed
in ALIASES. Every emitted path, alias or derived, is resolved against the model again before
anything is written, so a model change that moves or removes a field fails here, loudly, instead
of producing a filter that silently never matches.

Usage:
  tools/gen_filter_fields.py                 write src/filter/field_table.cc
  tools/gen_filter_fields.py --check         exit 1 if the committed file differs from the model
                                             (77, "skipped", when botocore is not installed)
  tools/gen_filter_fields.py --stdout        print the generated file
  tools/gen_filter_fields.py --compare-tsv F also compare with a name<TAB>type<TAB>path reference
"""

import argparse
import difflib
import pathlib
import sys

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
OUTPUT = REPO_ROOT / "src" / "filter" / "field_table.cc"

# Element shape of each AwsSecurityFindingFilters member list -> FilterType enumerator.
FILTER_TYPES = {
    "StringFilter": "kString",
    "NumberFilter": "kNumber",
    "DateFilter": "kDate",
    "MapFilter": "kMap",
    "BooleanFilter": "kBoolean",
    "IpFilter": "kIp",
    "KeywordFilter": "kKeyword",
}

# Names whose path the concatenation rule cannot find (or would find ambiguously). Each is still
# resolved against the model and checked against its filter type.
ALIASES = {
    # Remediation is left out of the name.
    "RecommendationText": "Remediation.Recommendation.Text",
    # The member is StandardsId, the name says Id.
    "ComplianceAssociatedStandardsId": "Compliance.AssociatedStandards[].StandardsId",
}

# Names with no ASFF field behind them.
NO_PATH = {"Keyword"}

# Structure members that filter names leave out of the concatenation.
ELIDED_MEMBERS = {"Details"}

NUMBER_SHAPES = {"integer", "long", "double", "float"}


# Exit status of --check when botocore is missing: CTest reports the test as skipped, not passed.
EXIT_SKIPPED = 77


def load_model(missing_exit_code=1):
    """The securityhub service model and the botocore version it comes from."""
    try:
        import botocore  # pylint: disable=import-outside-toplevel
        import botocore.session  # pylint: disable=import-outside-toplevel
    except ImportError:
        print("gen_filter_fields.py: botocore is not installed for " + sys.executable +
              "; cannot compare the field table with the model", file=sys.stderr)
        sys.exit(missing_exit_code)
    model = botocore.session.get_session().get_service_model("securityhub")
    return model, botocore.__version__


def fail(message):
    sys.exit("gen_filter_fields.py: " + message)


def segment(name, shape):
    if shape.type_name == "list":
        return name + "[]"
    if shape.type_name == "map":
        return name + "{}"
    return name


def element_shape(shape):
    """The shape a path continues into: list elements, or the shape itself."""
    while shape.type_name == "list":
        shape = shape.member
    return shape


def leaf_fits(filter_type, shape):
    """Whether the value at the end of a path (after [] / {}) can be read by this filter type."""
    if filter_type == "kMap":
        return shape.type_name == "map" and shape.value.type_name == "string"
    leaf = element_shape(shape)
    if filter_type == "kNumber":
        return leaf.type_name in NUMBER_SHAPES
    if filter_type == "kBoolean":
        return leaf.type_name == "boolean"
    # Strings, timestamps (strings in the model) and IP addresses.
    return leaf.type_name == "string"


def derive_paths(structure, remaining, filter_type, elided_last=False):
    """All paths under `structure` whose member names spell `remaining` and fit the filter type."""
    found = []
    for member_name, member_shape in structure.members.items():
        spellings = {member_name}
        if member_shape.type_name == "list" and member_name.endswith("s"):
            spellings.add(member_name[:-1])
        for spelling in spellings:
            if not remaining.startswith(spelling):
                continue
            rest = remaining[len(spelling):]
            seg = segment(member_name, member_shape)
            if not rest:
                if leaf_fits(filter_type, member_shape):
                    found.append(seg)
                continue
            inner = element_shape(member_shape)
            if inner.type_name == "structure":
                found += [seg + "." + p for p in derive_paths(inner, rest, filter_type)]
        if (member_name in ELIDED_MEMBERS and not elided_last and
                element_shape(member_shape).type_name == "structure"):
            found += [
                segment(member_name, member_shape) + "." + p
                for p in derive_paths(element_shape(member_shape), remaining, filter_type, True)
            ]
    return sorted(set(found))


def resolve_path(root, path):
    """The shape at the end of `path`, or a message saying where the path leaves the model."""
    shape = root
    parts = path.split(".")
    for i, part in enumerate(parts):
        name, marker = part, ""
        if part.endswith("[]") or part.endswith("{}"):
            name, marker = part[:-2], part[-2:]
        if shape.type_name != "structure":
            return None, f"'{'.'.join(parts[:i])}' is a {shape.type_name}, not a structure"
        if name not in shape.members:
            return None, f"{shape.name} has no member '{name}'"
        member = shape.members[name]
        expected = {"list": "[]", "map": "{}"}.get(member.type_name, "")
        if marker != expected:
            return None, (f"'{name}' is a {member.type_name} and must be written "
                          f"'{name}{expected}'")
        if i + 1 < len(parts):
            shape = element_shape(member)
        else:
            shape = member
    return shape, None


def build_table(model):
    filters = model.shape_for("AwsSecurityFindingFilters")
    finding = model.shape_for("AwsSecurityFinding")
    problems = []
    rows = []
    for name, list_shape in filters.members.items():
        if list_shape.type_name != "list" or list_shape.member.name not in FILTER_TYPES:
            problems.append(f"{name}: unknown filter shape {list_shape.name}")
            continue
        filter_type = FILTER_TYPES[list_shape.member.name]
        if filter_type == "kKeyword" or name in NO_PATH:
            if not (filter_type == "kKeyword" and name in NO_PATH):
                problems.append(f"{name}: {filter_type} filters have no ASFF path; update NO_PATH")
            rows.append((name, filter_type, ""))
            continue
        if name in ALIASES:
            path = ALIASES[name]
        else:
            candidates = derive_paths(finding, name, filter_type)
            if len(candidates) != 1:
                problems.append(f"{name}: {len(candidates)} candidate paths {candidates}; "
                                "add it to ALIASES")
                continue
            path = candidates[0]
        shape, error = resolve_path(finding, path)
        if error:
            problems.append(f"{name}: path {path} is not in AwsSecurityFinding: {error}")
            continue
        if not leaf_fits(filter_type, shape):
            problems.append(f"{name}: {path} is a {shape.type_name}, which a {filter_type} filter "
                            "cannot read")
            continue
        rows.append((name, filter_type, path))
    for name in sorted((set(ALIASES) | NO_PATH) - set(filters.members)):
        problems.append(f"{name}: in the alias table but no longer a filter; remove it")
    if problems:
        fail("the model does not map onto ASFF paths as expected:\n  " + "\n  ".join(problems))
    return sorted(rows)


def format_entry(name, filter_type, path):
    one_line = f'    {{"{name}", FilterType::{filter_type}, "{path}"}},'
    if len(one_line) <= 100:
        return one_line
    return f'    {{"{name}", FilterType::{filter_type},\n     "{path}"}},'


def render(model, rows):
    api_version = model.metadata.get("apiVersion", "unknown")
    entries = "\n".join(format_entry(*row) for row in rows)
    return f"""\
// Generated by tools/gen_filter_fields.py from botocore's securityhub service model (API version
// {api_version}). Do not edit: change the generator (or its alias table) and run it again.

#include "filter/field_table.h"

#include <algorithm>
#include <array>

namespace corroborate::filter {{
namespace {{

// Sorted by name, so FindField can binary-search.
constexpr std::array<FieldInfo, {len(rows)}> kFields{{{{
{entries}
}}}};

constexpr bool NameLess(const FieldInfo& a, const FieldInfo& b) {{
  return a.name < b.name;
}}
static_assert(std::is_sorted(kFields.begin(), kFields.end(), NameLess));

}}  // namespace

std::span<const FieldInfo> AllFields() {{
  return kFields;
}}

const FieldInfo* FindField(std::string_view name) {{
  const auto it = std::lower_bound(
      kFields.begin(), kFields.end(), name,
      [](const FieldInfo& field, std::string_view wanted) {{ return field.name < wanted; }});
  if (it == kFields.end() || it->name != name) return nullptr;
  return &*it;
}}

}}  // namespace corroborate::filter
"""


def compare_tsv(rows, tsv_path):
    expected = {}
    for line in pathlib.Path(tsv_path).read_text().splitlines()[1:]:
        if not line.strip():
            continue
        name, type_name, path = line.split("\t")
        expected[name] = (FILTER_TYPES[type_name], "" if path == "(none)" else path)
    actual = {name: (t, p) for name, t, p in rows}
    differences = [f"{n}: generated {actual.get(n)}, reference {expected.get(n)}"
                   for n in sorted(set(expected) | set(actual)) if expected.get(n) != actual.get(n)]
    if differences:
        fail(f"differs from {tsv_path}:\n  " + "\n  ".join(differences))
    print(f"gen_filter_fields.py: all {len(rows)} filters agree with {tsv_path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="exit 1 if the committed file is not what the model generates")
    mode.add_argument("--stdout", action="store_true", help="print instead of writing")
    parser.add_argument("--compare-tsv", metavar="FILE",
                        help="also compare with a filter_name/filter_type/asff_path TSV")
    args = parser.parse_args()

    model, botocore_version = load_model(EXIT_SKIPPED if args.check else 1)
    rows = build_table(model)
    if args.compare_tsv:
        compare_tsv(rows, args.compare_tsv)
    text = render(model, rows)

    if args.check:
        committed = OUTPUT.read_text() if OUTPUT.exists() else ""
        if committed != text:
            sys.stdout.writelines(difflib.unified_diff(
                committed.splitlines(keepends=True), text.splitlines(keepends=True),
                str(OUTPUT.relative_to(REPO_ROOT)), "generated from botocore"))
            fail(f"{OUTPUT.relative_to(REPO_ROOT)} is not what botocore {botocore_version} "
                 f"generates ({len(rows)} filters); if this botocore is the one to follow, run "
                 "tools/gen_filter_fields.py")
        return
    if args.stdout:
        sys.stdout.write(text)
        return
    OUTPUT.write_text(text)
    print(f"gen_filter_fields.py: wrote {len(rows)} filters to {OUTPUT.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()

// Shared between the readers and VisitDocument; not part of the module's public API.
#pragma once

#include "sources/sources.h"

namespace corroborate::sources::internal {

// Passes `element` to OnFinding if it is an object (an ASFF finding, valid or not), otherwise
// reports it. Used for the elements of a "Findings" array, which are findings and never envelopes.
void VisitFinding(simdjson::dom::element element, const Location& where, FindingVisitor& visitor);

}  // namespace corroborate::sources::internal

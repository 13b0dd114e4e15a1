#pragma once

namespace Shoal::Core {

class ComposeDiagnostics;
struct ComposeNode;

/// Applies YAML merge keys (`<<: *base`, `<<: [*a, *b]`), which yaml-cpp 0.7 leaves as
/// ordinary "<<" entries.
///
/// Follows the YAML 1.1 merge type: keys written in the mapping beat merged ones, and in a
/// list of sources an earlier source beats a later one.
class MergeKeyResolver
{
public:
    static bool resolve(ComposeNode &node, ComposeDiagnostics &diagnostics);
};

} // namespace Shoal::Core

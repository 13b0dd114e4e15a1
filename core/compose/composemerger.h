#pragma once

namespace Shoal::Core {

struct ComposeNode;

/// Merges compose documents as `-f a.yaml -f b.yaml` does, and one service over another as
/// `extends` does.
///
/// Scalars and `command`/`entrypoint`/`healthcheck.test` are replaced; mappings merge key by
/// key; `environment`, `labels`, `build.args` and the like merge by variable name whichever
/// form (list or mapping) each side uses; `depends_on` and `networks` merge by name;
/// `volumes` by mount path; `ports`, `expose`, `dns` and other lists append what is not
/// already there.
class ComposeMerger
{
public:
    static void mergeDocuments(ComposeNode &base, const ComposeNode &override);
    static void mergeService(ComposeNode &base, const ComposeNode &override);

    /// `environment: [A=1, B]` as the mapping `{A: "1", B: null}`; mappings are left as they
    /// are. Items that are not strings are kept under their text so that a later type check
    /// still sees and reports them.
    static void listToMapping(ComposeNode &node, bool splitOnEquals);
};

} // namespace Shoal::Core

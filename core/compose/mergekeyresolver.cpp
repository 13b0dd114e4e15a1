#include "mergekeyresolver.h"

#include "composediagnostics.h"
#include "composenode.h"

namespace Shoal::Core {

namespace {

bool isMergeEntry(const ComposeNode &entry)
{
    return entry.key == QLatin1String("<<") && !entry.keyQuoted;
}

} // namespace

bool MergeKeyResolver::resolve(ComposeNode &node, ComposeDiagnostics &diagnostics)
{
    for (ComposeNode &child : node.children) {
        if (!resolve(child, diagnostics)) {
            return false;
        }
    }
    if (!node.isMapping()) {
        return true;
    }

    std::vector<ComposeNode> explicitEntries;
    std::vector<ComposeNode> sources;
    for (ComposeNode &entry : node.children) {
        if (!isMergeEntry(entry)) {
            explicitEntries.push_back(std::move(entry));
            continue;
        }
        if (entry.isMapping()) {
            sources.push_back(std::move(entry));
            continue;
        }
        if (entry.isSequence()) {
            for (ComposeNode &item : entry.children) {
                if (!item.isMapping()) {
                    diagnostics.error(item, QStringLiteral("<<"),
                                      QStringLiteral("a merge key list may only hold mappings"));
                    return false;
                }
                sources.push_back(std::move(item));
            }
            continue;
        }
        diagnostics.error(entry, QStringLiteral("<<"),
                          QStringLiteral("a merge key needs a mapping or a list of mappings"));
        return false;
    }
    if (sources.empty()) {
        node.children = std::move(explicitEntries);
        return true;
    }

    ComposeNode merged = ComposeNode::makeMapping(node);
    merged.children = std::move(explicitEntries);
    for (ComposeNode &source : sources) {
        for (ComposeNode &entry : source.children) {
            if (!merged.find(entry.key)) {
                merged.children.push_back(std::move(entry));
            }
        }
    }
    node.children = std::move(merged.children);
    return true;
}

} // namespace Shoal::Core

#include "composemerger.h"

#include "composenode.h"

#include <QSet>
#include <QString>

namespace Shoal::Core {

namespace {

enum class Rule
{
    Replace,
    MergeMapping,
    ByName,
    ByNameKeepValue,
    Unique,
    ByMountPath,
    Build
};

Rule serviceRule(const QString &key)
{
    static const QSet<QString> replaced = {QStringLiteral("command"), QStringLiteral("entrypoint")};
    static const QSet<QString> byName = {QStringLiteral("environment"), QStringLiteral("labels"),
                                         QStringLiteral("extra_hosts"), QStringLiteral("sysctls"),
                                         QStringLiteral("annotations")};
    static const QSet<QString> byNameKeepValue = {QStringLiteral("depends_on"),
                                                  QStringLiteral("networks")};
    static const QSet<QString> unique = {QStringLiteral("ports"),
                                         QStringLiteral("expose"),
                                         QStringLiteral("dns"),
                                         QStringLiteral("dns_search"),
                                         QStringLiteral("dns_opt"),
                                         QStringLiteral("cap_add"),
                                         QStringLiteral("cap_drop"),
                                         QStringLiteral("env_file"),
                                         QStringLiteral("external_links"),
                                         QStringLiteral("security_opt"),
                                         QStringLiteral("tmpfs"),
                                         QStringLiteral("devices"),
                                         QStringLiteral("profiles"),
                                         QStringLiteral("links"),
                                         QStringLiteral("volumes_from"),
                                         QStringLiteral("group_add")};
    if (replaced.contains(key)) {
        return Rule::Replace;
    }
    if (byName.contains(key)) {
        return Rule::ByName;
    }
    if (byNameKeepValue.contains(key)) {
        return Rule::ByNameKeepValue;
    }
    if (unique.contains(key)) {
        return Rule::Unique;
    }
    if (key == QLatin1String("volumes")) {
        return Rule::ByMountPath;
    }
    if (key == QLatin1String("build")) {
        return Rule::Build;
    }
    return Rule::MergeMapping;
}

bool sameValue(const ComposeNode &a, const ComposeNode &b)
{
    if (a.kind != b.kind || a.scalar != b.scalar || a.children.size() != b.children.size()) {
        return false;
    }
    for (size_t i = 0; i < a.children.size(); ++i) {
        if (a.children[i].key != b.children[i].key || !sameValue(a.children[i], b.children[i])) {
            return false;
        }
    }
    return true;
}

void mergeGeneric(ComposeNode &base, const ComposeNode &override);

void appendUnique(ComposeNode &base, const ComposeNode &override)
{
    for (const ComposeNode &item : override.children) {
        bool present = false;
        for (const ComposeNode &existing : base.children) {
            if (sameValue(existing, item)) {
                present = true;
                break;
            }
        }
        if (!present) {
            base.children.push_back(item);
        }
    }
}

QString mountPath(const ComposeNode &volume)
{
    if (volume.isMapping()) {
        const ComposeNode *target = volume.find(QStringLiteral("target"));
        return target ? target->scalar : QString();
    }
    const QStringList parts = volume.scalar.split(QLatin1Char(':'));
    return parts.size() >= 2 ? parts.at(1) : parts.at(0);
}

void mergeByMountPath(ComposeNode &base, const ComposeNode &override)
{
    for (const ComposeNode &item : override.children) {
        const QString path = mountPath(item);
        bool replaced = false;
        for (ComposeNode &existing : base.children) {
            if (!path.isEmpty() && mountPath(existing) == path) {
                existing = item;
                replaced = true;
                break;
            }
        }
        if (!replaced) {
            base.children.push_back(item);
        }
    }
}

void mergeMappingEntries(ComposeNode &base, const ComposeNode &override, bool deep)
{
    for (const ComposeNode &entry : override.children) {
        ComposeNode *existing = base.find(entry.key);
        if (!existing) {
            base.children.push_back(entry);
        } else if (deep && existing->isMapping() && entry.isMapping()) {
            mergeGeneric(*existing, entry);
        } else {
            *existing = entry;
        }
    }
}

void mergeGeneric(ComposeNode &base, const ComposeNode &override)
{
    if (base.isMapping() && override.isMapping()) {
        for (const ComposeNode &entry : override.children) {
            ComposeNode *existing = base.find(entry.key);
            if (!existing) {
                base.children.push_back(entry);
            } else if (entry.key == QLatin1String("test")) {
                // A healthcheck test is one command line: replaced, never concatenated.
                *existing = entry;
            } else {
                mergeGeneric(*existing, entry);
            }
        }
        return;
    }
    if (base.isSequence() && override.isSequence()) {
        appendUnique(base, override);
        return;
    }
    const QString key = base.key;
    const int keyLine = base.keyLine;
    base = override;
    if (base.key.isEmpty()) {
        base.key = key;
        base.keyLine = keyLine;
    }
}

} // namespace

void ComposeMerger::listToMapping(ComposeNode &node, bool splitOnEquals)
{
    if (!node.isSequence()) {
        return;
    }
    ComposeNode mapping = ComposeNode::makeMapping(node);
    mapping.key = node.key;
    mapping.keyLine = node.keyLine;
    for (const ComposeNode &item : node.children) {
        QString name = item.scalar;
        ComposeNode value;
        value.file = item.file;
        value.line = item.line;
        value.column = item.column;
        const int equals = splitOnEquals ? name.indexOf(QLatin1Char('=')) : -1;
        if (equals >= 0) {
            value = ComposeNode::makeScalar(name.mid(equals + 1), item);
            name.truncate(equals);
        } else if (!item.isScalar()) {
            value = item;
        }
        value.keyLine = item.line;
        mapping.set(name, value);
    }
    node = std::move(mapping);
}

void ComposeMerger::mergeService(ComposeNode &base, const ComposeNode &override)
{
    if (!base.isMapping() || !override.isMapping()) {
        mergeGeneric(base, override);
        return;
    }
    for (const ComposeNode &entry : override.children) {
        ComposeNode *existing = base.find(entry.key);
        if (!existing || existing->isNull() || entry.isNull()) {
            if (existing) {
                *existing = entry;
            } else {
                base.children.push_back(entry);
            }
            continue;
        }
        switch (serviceRule(entry.key)) {
        case Rule::Replace:
            *existing = entry;
            break;
        case Rule::ByName:
        case Rule::ByNameKeepValue: {
            const bool split = serviceRule(entry.key) == Rule::ByName;
            ComposeNode incoming = entry;
            listToMapping(*existing, split);
            listToMapping(incoming, split);
            if (existing->isMapping() && incoming.isMapping()) {
                mergeMappingEntries(*existing, incoming, !split);
            } else {
                *existing = entry;
            }
            break;
        }
        case Rule::Unique:
            if (existing->isSequence() && entry.isSequence()) {
                appendUnique(*existing, entry);
            } else if (existing->isScalar() && entry.isSequence() &&
                       entry.key == QLatin1String("env_file")) {
                ComposeNode list = ComposeNode::makeSequence(*existing);
                list.key = existing->key;
                list.keyLine = existing->keyLine;
                list.children.push_back(*existing);
                appendUnique(list, entry);
                *existing = std::move(list);
            } else {
                *existing = entry;
            }
            break;
        case Rule::ByMountPath:
            if (existing->isSequence() && entry.isSequence()) {
                mergeByMountPath(*existing, entry);
            } else {
                *existing = entry;
            }
            break;
        case Rule::Build: {
            const auto asMapping = [](const ComposeNode &node) {
                if (!node.isScalar()) {
                    return node;
                }
                ComposeNode mapping = ComposeNode::makeMapping(node);
                mapping.key = node.key;
                mapping.keyLine = node.keyLine;
                mapping.set(QStringLiteral("context"), node);
                return mapping;
            };
            ComposeNode merged = asMapping(*existing);
            const ComposeNode incoming = asMapping(entry);
            if (!merged.isMapping() || !incoming.isMapping()) {
                *existing = entry;
                break;
            }
            for (const ComposeNode &field : incoming.children) {
                ComposeNode *current = merged.find(field.key);
                if (current && field.key == QLatin1String("args")) {
                    ComposeNode args = field;
                    listToMapping(*current, true);
                    listToMapping(args, true);
                    mergeMappingEntries(*current, args, false);
                } else if (current) {
                    mergeGeneric(*current, field);
                } else {
                    merged.children.push_back(field);
                }
            }
            *existing = std::move(merged);
            break;
        }
        case Rule::MergeMapping:
            mergeGeneric(*existing, entry);
            break;
        }
    }
}

void ComposeMerger::mergeDocuments(ComposeNode &base, const ComposeNode &override)
{
    if (!base.isMapping() || !override.isMapping()) {
        if (!override.isNull()) {
            base = override;
        }
        return;
    }
    for (const ComposeNode &entry : override.children) {
        ComposeNode *existing = base.find(entry.key);
        if (!existing) {
            base.children.push_back(entry);
            continue;
        }
        if (entry.key == QLatin1String("services") && existing->isMapping() && entry.isMapping()) {
            for (const ComposeNode &service : entry.children) {
                if (ComposeNode *current = existing->find(service.key)) {
                    mergeService(*current, service);
                } else {
                    existing->children.push_back(service);
                }
            }
            continue;
        }
        mergeGeneric(*existing, entry);
    }
}

} // namespace Shoal::Core

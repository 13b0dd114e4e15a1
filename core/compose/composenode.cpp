#include "composenode.h"

namespace Shoal::Core {

const ComposeNode *ComposeNode::find(const QString &name) const
{
    if (kind != Kind::Mapping) {
        return nullptr;
    }
    for (const ComposeNode &child : children) {
        if (child.key == name) {
            return &child;
        }
    }
    return nullptr;
}

ComposeNode *ComposeNode::find(const QString &name)
{
    return const_cast<ComposeNode *>(std::as_const(*this).find(name));
}

void ComposeNode::set(const QString &name, ComposeNode value)
{
    value.key = name;
    if (ComposeNode *existing = find(name)) {
        if (value.keyLine == 0) {
            value.keyLine = existing->keyLine;
        }
        *existing = std::move(value);
        return;
    }
    children.push_back(std::move(value));
}

bool ComposeNode::remove(const QString &name)
{
    for (auto it = children.begin(); it != children.end(); ++it) {
        if (it->key == name) {
            children.erase(it);
            return true;
        }
    }
    return false;
}

QString ComposeNode::location() const
{
    const int where = entryLine();
    if (where <= 0) {
        return file;
    }
    return QStringLiteral("%1:%2").arg(file).arg(where);
}

ComposeNode ComposeNode::makeScalar(const QString &text, const ComposeNode &origin)
{
    ComposeNode node;
    node.kind = Kind::Scalar;
    node.scalar = text;
    node.quoted = true;
    node.file = origin.file;
    node.line = origin.line;
    node.column = origin.column;
    return node;
}

ComposeNode ComposeNode::makeMapping(const ComposeNode &origin)
{
    ComposeNode node;
    node.kind = Kind::Mapping;
    node.file = origin.file;
    node.line = origin.line;
    node.column = origin.column;
    return node;
}

ComposeNode ComposeNode::makeSequence(const ComposeNode &origin)
{
    ComposeNode node = makeMapping(origin);
    node.kind = Kind::Sequence;
    return node;
}

} // namespace Shoal::Core

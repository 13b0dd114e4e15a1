#include "yamlreader.h"

#include "composediagnostics.h"
#include "mergekeyresolver.h"

#include <yaml-cpp/yaml.h>

#include <exception>

namespace Shoal::Core {

namespace {

class Converter
{
public:
    explicit Converter(const QString &fileName)
        : m_fileName(fileName)
    {}

    bool convert(const YAML::Node &source, ComposeNode &target, int depth = 0)
    {
        if (depth > YamlReader::MaxDepth) {
            m_error = QStringLiteral("%1:%2:%3: nested deeper than %4 levels (or an alias "
                                     "refers to itself)")
                          .arg(m_fileName)
                          .arg(source.Mark().line + 1)
                          .arg(source.Mark().column + 1)
                          .arg(YamlReader::MaxDepth);
            return false;
        }
        if (++m_count > YamlReader::MaxNodes) {
            m_error = QStringLiteral("%1: document too large after expanding aliases "
                                     "(more than %2 nodes)")
                          .arg(m_fileName)
                          .arg(YamlReader::MaxNodes);
            return false;
        }
        const YAML::Mark mark = source.Mark();
        target.file = m_fileName;
        target.line = mark.line >= 0 ? mark.line + 1 : 0;
        target.column = mark.column >= 0 ? mark.column + 1 : 0;
        switch (source.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null:
            target.kind = ComposeNode::Kind::Null;
            return true;
        case YAML::NodeType::Scalar:
            target.kind = ComposeNode::Kind::Scalar;
            target.scalar = QString::fromStdString(source.Scalar());
            // yaml-cpp tags plain scalars "?" and quoted or block ones "!".
            target.quoted = source.Tag() == "!";
            return true;
        case YAML::NodeType::Sequence:
            target.kind = ComposeNode::Kind::Sequence;
            target.children.reserve(source.size());
            for (const YAML::Node &item : source) {
                ComposeNode child;
                if (!convert(item, child, depth + 1)) {
                    return false;
                }
                target.children.push_back(std::move(child));
            }
            return true;
        case YAML::NodeType::Map:
            target.kind = ComposeNode::Kind::Mapping;
            return convertMapping(source, target, depth);
        }
        return true;
    }

    QString error() const { return m_error; }

private:
    bool convertMapping(const YAML::Node &source, ComposeNode &target, int depth)
    {
        for (auto it = source.begin(); it != source.end(); ++it) {
            // Copies: yaml-cpp's iterator hands out a temporary pair, so references into it
            // would dangle.
            const YAML::Node key = it->first;
            const YAML::Node value = it->second;
            const int keyLine = key.Mark().line + 1;
            if (!key.IsScalar() && !key.IsNull()) {
                m_error = QStringLiteral("%1:%2:%3: mapping keys must be strings")
                              .arg(m_fileName)
                              .arg(keyLine)
                              .arg(key.Mark().column + 1);
                return false;
            }
            const QString name = key.IsNull() ? QString() : QString::fromStdString(key.Scalar());
            const bool keyQuoted = key.Tag() == "!";
            // Repeated "<<" keys are legal; any other repeated key is a mistake compose
            // rejects too, since one of the two values would silently be lost.
            const bool mergeKey = name == QLatin1String("<<") && !keyQuoted;
            if (!mergeKey) {
                if (const ComposeNode *previous = target.find(name)) {
                    m_error = QStringLiteral("%1:%2:%3: mapping key \"%4\" already defined at "
                                             "line %5")
                                  .arg(m_fileName)
                                  .arg(keyLine)
                                  .arg(key.Mark().column + 1)
                                  .arg(name)
                                  .arg(previous->keyLine);
                    return false;
                }
            }
            ComposeNode child;
            if (!convert(value, child, depth + 1)) {
                return false;
            }
            child.key = name;
            child.keyQuoted = keyQuoted;
            child.keyLine = keyLine;
            if (child.line == 0) {
                child.line = keyLine;
            }
            target.children.push_back(std::move(child));
        }
        return true;
    }

    QString m_fileName;
    QString m_error;
    int m_count = 0;
};

} // namespace

YamlReader::Result YamlReader::read(const QByteArray &text, const QString &fileName)
{
    Result result;
    YAML::Node document;
    try {
        document = YAML::Load(text.toStdString());
    } catch (const YAML::Exception &e) {
        result.error = QStringLiteral("%1:%2:%3: %4")
                           .arg(fileName)
                           .arg(e.mark.line + 1)
                           .arg(e.mark.column + 1)
                           .arg(QString::fromStdString(e.msg));
        return result;
    } catch (const std::exception &e) {
        result.error = QStringLiteral("%1: cannot parse YAML: %2")
                           .arg(fileName, QString::fromLocal8Bit(e.what()));
        return result;
    }

    ComposeNode root;
    Converter converter(fileName);
    try {
        if (!converter.convert(document, root)) {
            result.error = converter.error();
            return result;
        }
    } catch (const std::exception &e) {
        result.error = QStringLiteral("%1: cannot read YAML: %2")
                           .arg(fileName, QString::fromLocal8Bit(e.what()));
        return result;
    }

    ComposeDiagnostics diagnostics;
    if (!MergeKeyResolver::resolve(root, diagnostics)) {
        result.error = diagnostics.firstError();
        return result;
    }
    result.root = std::move(root);
    return result;
}

} // namespace Shoal::Core

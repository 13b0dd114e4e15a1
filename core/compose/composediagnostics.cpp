#include "composediagnostics.h"

#include "composelogging.h"
#include "composenode.h"

namespace Shoal::Core {

void ComposeDiagnostics::error(const ComposeNode &node, const QString &path, const QString &reason)
{
    error(format(node, path, reason));
}

void ComposeDiagnostics::error(const QString &message)
{
    // Later errors are usually consequences of the first one; only the first is shown.
    if (m_error.isEmpty()) {
        m_error = message;
    }
}

void ComposeDiagnostics::warning(const ComposeNode &node, const QString &path,
                                 const QString &reason)
{
    warning(format(node, path, reason));
}

void ComposeDiagnostics::warning(const QString &message)
{
    if (!m_warnings.contains(message)) {
        qCDebug(lcCompose) << "warning:" << message;
        m_warnings.append(message);
    }
}

QString ComposeDiagnostics::format(const ComposeNode &node, const QString &path,
                                   const QString &reason)
{
    QString text = node.location();
    if (!path.isEmpty()) {
        text += (text.isEmpty() ? QString() : QStringLiteral(": ")) + path;
    }
    return text.isEmpty() ? reason : text + QStringLiteral(": ") + reason;
}

} // namespace Shoal::Core

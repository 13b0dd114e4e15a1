#pragma once

#include <QString>
#include <QStringList>

namespace Shoal::Core {

struct ComposeNode;

/// Collects what went wrong while loading: the first error, which stops the load, and
/// warnings, which do not. Messages read "file:line: key.path: reason".
class ComposeDiagnostics
{
public:
    void error(const ComposeNode &node, const QString &path, const QString &reason);
    void error(const QString &message);
    void warning(const ComposeNode &node, const QString &path, const QString &reason);
    void warning(const QString &message);

    bool hasError() const { return !m_error.isEmpty(); }
    QString firstError() const { return m_error; }
    QStringList warnings() const { return m_warnings; }

    static QString format(const ComposeNode &node, const QString &path, const QString &reason);

private:
    QString m_error;
    QStringList m_warnings;
};

} // namespace Shoal::Core

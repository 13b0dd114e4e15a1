#pragma once

#include <QColor>
#include <QHash>
#include <QString>
#include <QStringList>

namespace Shoal::Ui {

/// How charts draw replicas: one colour per replica, shared by every chart, a short label
/// without the project prefix, and one order (web-2 before web-10) for legends and bars.
///
/// A replica keeps its colour for the life of the window, also after it is gone, so a
/// replica that comes back with the same name is recognisable.
class ReplicaAppearance final
{
public:
    QColor colorFor(const QString &replica);
    /// "web-2" for "myproject-web-2" once the prefix "myproject-" is set.
    QString labelFor(const QString &replica) const;
    void setNamePrefix(const QString &prefix) { m_prefix = prefix; }
    /// Replica names in the order charts show them.
    static QStringList sorted(QStringList replicas);

private:
    QHash<QString, QColor> m_colors;
    QString m_prefix;
};

} // namespace Shoal::Ui

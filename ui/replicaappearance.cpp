#include "replicaappearance.h"

#include <algorithm>
#include <utility>

namespace Shoal::Ui {

namespace {
// Stepping the hue by the golden angle keeps neighbours far apart however many replicas
// there are; saturation and lightness stay mid-range so lines read on light and dark bases.
constexpr double GoldenAngleDegrees = 137.508;
constexpr double FirstHueDegrees = 210.0;
constexpr int Saturation = 170;
constexpr int Lightness = 125;
} // namespace

QColor ReplicaAppearance::colorFor(const QString &replica)
{
    auto it = m_colors.constFind(replica);
    if (it != m_colors.constEnd()) {
        return it.value();
    }
    const double hue = FirstHueDegrees + GoldenAngleDegrees * m_colors.size();
    const QColor color = QColor::fromHsl(int(hue) % 360, Saturation, Lightness);
    m_colors.insert(replica, color);
    return color;
}

QString ReplicaAppearance::labelFor(const QString &replica) const
{
    if (m_prefix.isEmpty() || !replica.startsWith(m_prefix) || replica.size() == m_prefix.size()) {
        return replica;
    }
    return replica.mid(m_prefix.size());
}

QStringList ReplicaAppearance::sorted(QStringList replicas)
{
    // Names end in the replica number (compose's PROJECT-SERVICE-N); comparing that part as
    // a number puts web-2 before web-10 whatever the locale's collation offers.
    const auto key = [](const QString &name) {
        const int dash = name.lastIndexOf(QLatin1Char('-'));
        bool numbered = false;
        const int number = dash < 0 ? 0 : name.mid(dash + 1).toInt(&numbered);
        return numbered ? std::make_pair(name.left(dash), number) : std::make_pair(name, -1);
    };
    std::sort(replicas.begin(), replicas.end(),
              [&key](const QString &a, const QString &b) { return key(a) < key(b); });
    return replicas;
}

} // namespace Shoal::Ui

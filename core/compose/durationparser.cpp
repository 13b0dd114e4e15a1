#include "durationparser.h"

#include <cmath>

namespace Shoal::Core {

namespace {

// Ten years: anything longer is a typo, and keeping values small avoids overflow.
constexpr double MaxDurationMs = 10.0 * 365 * 24 * 3600 * 1000;

std::optional<double> unitMs(const QString &unit)
{
    if (unit == QLatin1String("ns")) {
        return 1e-6;
    }
    if (unit == QLatin1String("us") || unit == QStringLiteral("\u00b5s")) {
        return 1e-3;
    }
    if (unit == QLatin1String("ms")) {
        return 1.0;
    }
    if (unit == QLatin1String("s")) {
        return 1000.0;
    }
    if (unit == QLatin1String("m")) {
        return 60'000.0;
    }
    if (unit == QLatin1String("h")) {
        return 3'600'000.0;
    }
    return std::nullopt;
}

} // namespace

std::optional<qint64> DurationParser::parseMs(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == QLatin1String("0")) {
        return 0;
    }
    if (trimmed.isEmpty()) {
        return std::nullopt;
    }
    double total = 0;
    int i = 0;
    while (i < trimmed.size()) {
        const int numberStart = i;
        while (i < trimmed.size() &&
               (trimmed.at(i).isDigit() || trimmed.at(i) == QLatin1Char('.'))) {
            ++i;
        }
        bool ok = false;
        const double number = trimmed.mid(numberStart, i - numberStart).toDouble(&ok);
        if (!ok || i == numberStart) {
            return std::nullopt;
        }
        const int unitStart = i;
        while (i < trimmed.size() && !trimmed.at(i).isDigit() &&
               trimmed.at(i) != QLatin1Char('.')) {
            ++i;
        }
        const std::optional<double> factor = unitMs(trimmed.mid(unitStart, i - unitStart));
        if (!factor) {
            return std::nullopt;
        }
        total += number * *factor;
        if (total > MaxDurationMs) {
            return std::nullopt;
        }
    }
    return static_cast<qint64>(std::floor(total));
}

QString DurationParser::format(qint64 ms)
{
    if (ms <= 0) {
        return QStringLiteral("0s");
    }
    if (ms < 1000) {
        return QStringLiteral("%1ms").arg(ms);
    }
    const qint64 hours = ms / 3'600'000;
    const qint64 minutes = (ms / 60'000) % 60;
    const qint64 millis = ms % 60'000;
    QString seconds = QString::number(millis / 1000);
    if (millis % 1000 != 0) {
        seconds += QStringLiteral(".%1").arg(millis % 1000, 3, 10, QLatin1Char('0'));
        while (seconds.endsWith(QLatin1Char('0'))) {
            seconds.chop(1);
        }
    }
    QString out;
    if (hours > 0) {
        out += QStringLiteral("%1h").arg(hours);
    }
    if (hours > 0 || minutes > 0) {
        out += QStringLiteral("%1m").arg(minutes);
    }
    return out + seconds + QLatin1Char('s');
}

} // namespace Shoal::Core

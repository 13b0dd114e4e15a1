#include "cpuscale.h"

#include <QCoreApplication>

namespace Shoal::Ui {

double scaledCpu(double percent, int onlineCpus, CpuScale scale)
{
    if (scale == CpuScale::PerCore || onlineCpus <= 0 || percent < 0) {
        return percent;
    }
    return percent / onlineCpus;
}

QString cpuScaleTitle(CpuScale scale)
{
    return scale == CpuScale::PerCore
               ? QCoreApplication::translate("Shoal::Ui::CpuScale", "CPU % (100 = one core)")
               : QCoreApplication::translate("Shoal::Ui::CpuScale", "CPU % of the host");
}

QString cpuScaleExplanation(CpuScale scale, int onlineCpus)
{
    const QString cores =
        onlineCpus > 0
            ? QCoreApplication::translate("Shoal::Ui::CpuScale", "%n core(s) online", nullptr,
                                          onlineCpus)
            : QCoreApplication::translate("Shoal::Ui::CpuScale", "core count not known yet");
    const QString meaning =
        scale == CpuScale::PerCore
            ? QCoreApplication::translate("Shoal::Ui::CpuScale", "100 % is one core")
            : QCoreApplication::translate("Shoal::Ui::CpuScale", "100 % is the whole host");
    return QStringLiteral("%1; %2").arg(meaning, cores);
}

} // namespace Shoal::Ui

#pragma once

#include <QLoggingCategory>

namespace Shoal::Ui {

Q_DECLARE_LOGGING_CATEGORY(lcUi)
Q_DECLARE_LOGGING_CATEGORY(lcCharts)

} // namespace Shoal::Ui

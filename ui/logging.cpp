#include "logging.h"

namespace Shoal::Ui {

Q_LOGGING_CATEGORY(lcUi, "shoal.ui", QtWarningMsg)
Q_LOGGING_CATEGORY(lcCharts, "shoal.ui.charts", QtWarningMsg)

} // namespace Shoal::Ui

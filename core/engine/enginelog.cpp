#include "enginelog.h"

namespace Shoal::Core {

Q_LOGGING_CATEGORY(lcEngine, "shoal.core.engine", QtWarningMsg)

} // namespace Shoal::Core

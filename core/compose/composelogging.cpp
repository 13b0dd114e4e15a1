#include "composelogging.h"

namespace Shoal::Core {

Q_LOGGING_CATEGORY(lcCompose, "shoal.core.compose", QtWarningMsg)

} // namespace Shoal::Core

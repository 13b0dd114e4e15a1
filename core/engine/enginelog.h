#pragma once

#include <QLoggingCategory>

namespace Shoal::Core {

/// Logging category of the engine client, "shoal.core.engine" (warnings by default).
Q_DECLARE_LOGGING_CATEGORY(lcEngine)

} // namespace Shoal::Core

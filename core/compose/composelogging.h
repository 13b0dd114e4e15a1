#pragma once

#include <QLoggingCategory>

namespace Shoal::Core {

Q_DECLARE_LOGGING_CATEGORY(lcCompose)

} // namespace Shoal::Core

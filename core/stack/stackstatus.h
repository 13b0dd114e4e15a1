#pragma once

#include <QJsonObject>

namespace Shoal::Core {

class StackController;

/// A snapshot of a running stack as JSON: per service the asked and running replicas and
/// its proxies; per container its name, state, health, CPU %, memory and requests.
/// `shoal run --status-json`, `shoal ps --json` and `shoal stats --json` print it.
QJsonObject stackStatusJson(const StackController &stack);

} // namespace Shoal::Core

#pragma once

#include <QLatin1StringView>

namespace Shoal::Core::ComposeLabels {

// The labels docker compose puts on what it creates and finds its containers by. Shoal
// writes and reads the same ones so that both tools see one stack.
inline constexpr QLatin1StringView Project("com.docker.compose.project");
inline constexpr QLatin1StringView Service("com.docker.compose.service");
inline constexpr QLatin1StringView ContainerNumber("com.docker.compose.container-number");
inline constexpr QLatin1StringView OneOff("com.docker.compose.oneoff");
inline constexpr QLatin1StringView ConfigHash("com.docker.compose.config-hash");
inline constexpr QLatin1StringView WorkingDir("com.docker.compose.project.working_dir");
inline constexpr QLatin1StringView ConfigFiles("com.docker.compose.project.config_files");
inline constexpr QLatin1StringView Version("com.docker.compose.version");
inline constexpr QLatin1StringView Network("com.docker.compose.network");
inline constexpr QLatin1StringView Volume("com.docker.compose.volume");
inline constexpr QLatin1StringView Image("com.docker.compose.image");

/// Shoal's own digest of the service definition a replica was created from. Only replicas
/// that carry it are recreated when the definition changes: compose computes its
/// config-hash differently, and a stack adopted from compose is not to be touched.
inline constexpr QLatin1StringView ShoalConfigHash("io.github.shoal.config-hash");

} // namespace Shoal::Core::ComposeLabels

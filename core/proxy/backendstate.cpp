#include "backendstate.h"

#include <netinet/in.h>

#include <cstring>

namespace Shoal::Core {

BackendState::BackendState(const ProxyBackend &description, int serialNumber)
    : backend(description)
    , serial(serialNumber)
{
    bool ok = false;
    const quint32 v4 = description.address.toIPv4Address(&ok);
    if (ok) {
        auto *in = reinterpret_cast<sockaddr_in *>(&socketAddress);
        in->sin_family = AF_INET;
        in->sin_port = htons(description.port);
        in->sin_addr.s_addr = htonl(v4);
        socketAddressLength = sizeof(sockaddr_in);
    } else {
        auto *in6 = reinterpret_cast<sockaddr_in6 *>(&socketAddress);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(description.port);
        const Q_IPV6ADDR v6 = description.address.toIPv6Address();
        std::memcpy(&in6->sin6_addr, &v6, sizeof(v6));
        socketAddressLength = sizeof(sockaddr_in6);
    }
}

} // namespace Shoal::Core

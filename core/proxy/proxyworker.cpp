#include "proxyworker.h"

#include "balancer.h"
#include "headrewriter.h"
#include "messageframer.h"

#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QTimer>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

Q_DECLARE_LOGGING_CATEGORY(lcProxy)

namespace Shoal::Core {

namespace {

constexpr int SweepIntervalMs = 100;
constexpr int PublishIntervalMs = 1000;
/// Latency percentiles cover the last this many publish periods.
constexpr int LatencyWindowPeriods = 10;
constexpr int MaxEventsPerWait = 256;
constexpr std::size_t InitialBufferBytes = 16 * 1024;
/// Receive buffers grow to this (or to the head limit, if larger) while bodies stream.
constexpr std::size_t StreamBufferBytes = 64 * 1024;
/// After the proxy decides to close a client, it keeps reading (and dropping) what the client
/// still sends for this long, so that its last response is not destroyed by a reset.
constexpr qint64 LingerMs = 2000;
/// Body bytes copied behind a response head so that both leave in one write.
constexpr std::size_t CoalesceBytes = 16 * 1024;
/// Connection attempts for one request, each to a different backend.
constexpr int MaxConnectAttempts = 3;
/// Connections taken from the listen queue per readiness report: enough to empty a burst of
/// short-lived connections, few enough that established clients are not kept waiting.
constexpr int MaxAcceptsPerWake = 64;

constexpr std::string_view ContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

qint64 steadyMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

qint64 steadyUs()
{
    using namespace std::chrono;
    return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

bool equalsNoCase(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               const auto low = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; };
               return low(x) == low(y);
           });
}

/// RFC 9110 §9.2.2: a request with one of these methods may be sent again after the
/// connection failed before its response arrived.
bool isIdempotent(std::string_view method)
{
    constexpr std::string_view Idempotent[] = {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"};
    return std::find(std::begin(Idempotent), std::end(Idempotent), method) != std::end(Idempotent);
}

std::string addressText(const sockaddr_storage &address)
{
    char text[INET6_ADDRSTRLEN] = {};
    if (address.ss_family == AF_INET) {
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in *>(&address)->sin_addr, text,
                    sizeof(text));
    } else if (address.ss_family == AF_INET6) {
        ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6 *>(&address)->sin6_addr, text,
                    sizeof(text));
    } else {
        return "unknown";
    }
    return text;
}

std::string peerAddress(int fd)
{
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    if (::getpeername(fd, reinterpret_cast<sockaddr *>(&address), &length) != 0) {
        return "unknown";
    }
    return addressText(address);
}

} // namespace

/// A descriptor with one reusable receive buffer and the bytes the proxy generated for it.
/// Readiness is edge-triggered: `readable` and `writable` remember the last edge until a
/// short read or write shows that the kernel side is drained or full.
struct ProxyWorker::Socket
{
    enum class Role
    {
        Client,
        Upstream
    };

    explicit Socket(Role r)
        : role(r)
    {}
    virtual ~Socket()
    {
        if (fd >= 0) {
            ::close(fd);
        }
    }

    std::size_t buffered() const { return end - begin; }
    const char *data() const { return buffer.get() + begin; }

    /// Reads what fits into the buffer (growing it up to `limit`).
    Io readSome(std::size_t limit)
    {
        if (!readable) {
            return Io::Again;
        }
        if (begin == end) {
            begin = end = 0;
        }
        if (end == capacity) {
            if (begin > 0) {
                std::memmove(buffer.get(), buffer.get() + begin, end - begin);
                end -= begin;
                begin = 0;
            } else if (capacity < limit) {
                grow(std::min(limit, std::max(capacity * 2, InitialBufferBytes)));
            } else {
                return Io::Again;
            }
        }
        for (;;) {
            const ssize_t n = ::recv(fd, buffer.get() + end, capacity - end, 0);
            if (n > 0) {
                // A short read means the kernel queue is empty: the next byte brings an edge.
                readable = std::size_t(n) == capacity - end;
                end += std::size_t(n);
                return Io::Progress;
            }
            if (n == 0) {
                readable = false;
                peerClosed = true;
                return Io::Closed;
            }
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                readable = false;
                return Io::Again;
            }
            return Io::Failed;
        }
    }

    /// Sends from `bytes`; `sent` tells how many left.
    Io sendSome(const char *bytes, std::size_t size, std::size_t &sent)
    {
        sent = 0;
        if (!writable || size == 0) {
            return Io::Again;
        }
        for (;;) {
            const ssize_t n = ::send(fd, bytes, size, MSG_NOSIGNAL);
            if (n >= 0) {
                sent = std::size_t(n);
                // Only a partial write waits for the next EPOLLOUT edge.
                writable = sent == size;
                return sent > 0 ? Io::Progress : Io::Again;
            }
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                writable = false;
                return Io::Again;
            }
            return Io::Failed;
        }
    }

    /// Sends the generated bytes in `out`.
    Io flushOut()
    {
        if (outSent >= out.size()) {
            return Io::Again;
        }
        std::size_t sent = 0;
        const Io io = sendSome(out.data() + outSent, out.size() - outSent, sent);
        outSent += sent;
        if (outSent >= out.size()) {
            out.clear();
            outSent = 0;
        }
        return io;
    }

    bool outPending() const { return outSent < out.size(); }

    void grow(std::size_t newCapacity)
    {
        std::unique_ptr<char[]> bigger(new char[newCapacity]);
        if (end > begin) {
            std::memcpy(bigger.get(), buffer.get() + begin, end - begin);
        }
        end -= begin;
        begin = 0;
        buffer = std::move(bigger);
        capacity = newCapacity;
    }

    const Role role;
    int fd = -1;
    std::unique_ptr<char[]> buffer;
    std::size_t capacity = 0;
    std::size_t begin = 0;
    std::size_t end = 0;
    std::string out;
    std::size_t outSent = 0;
    bool readable = false;
    bool writable = false;
    bool peerClosed = false;
    bool dead = false;
    qint64 lastActivityMs = 0;
};

struct ProxyWorker::Upstream final : Socket
{
    Upstream(std::shared_ptr<BackendState> b, const ProxyConfig &config)
        : Socket(Role::Upstream)
        , backend(std::move(b))
        , response(MessageFramer::Kind::Response, std::size_t(config.maxHeaderBytes),
                   config.maxHeaderCount)
    {}

    std::shared_ptr<BackendState> backend;
    Client *client = nullptr; ///< null while idle in the pool
    bool connecting = false;
    bool reused = false;
    bool halfClosed = false;
    qint64 connectStartMs = 0;
    MessageFramer response;
};

struct ProxyWorker::Client final : Socket
{
    enum class State
    {
        Head,
        Exchange,
        Tunnel,
        Closing
    };

    explicit Client(const ProxyConfig &config)
        : Socket(Role::Client)
        , request(MessageFramer::Kind::Request, std::size_t(config.maxHeaderBytes),
                  config.maxHeaderCount)
    {}

    State state = State::Head;
    std::string peer;
    MessageFramer request;
    qint64 headStartMs = 0;
    qint64 closingSinceMs = 0;
    bool halfClosed = false;

    // The exchange in progress: one request and its response.
    Upstream *upstream = nullptr;
    std::shared_ptr<BackendState> backend;
    std::string upstreamHead;
    std::vector<int> triedSerials;
    int versionMinor = 1;
    bool headMethod = false;
    bool expectContinue = false;
    bool wantsTunnel = false;
    bool closeAfter = false;
    bool clientAskedClose = false; ///< the request itself said the connection ends with it
    bool requestDone = false;
    bool bodySent = false;
    bool responseStarted = false;
    bool responseHeadDone = false;
    bool retriedStale = false;
    bool idempotent = false;
    std::size_t requestPending = 0;
    std::size_t responsePending = 0;
    int status = 0;
    qint64 startedUs = 0;
};

struct ProxyWorker::Stats
{
    BackendCounters counters;
    LatencyHistogram periods[LatencyWindowPeriods];
    int current = 0;
};

ProxyWorker::ProxyWorker(const ProxyConfig &config, Balancer *balancer, int index,
                         Publisher publisher)
    : m_config(config)
    , m_balancer(balancer)
    , m_index(index)
    , m_publisher(std::move(publisher))
    , m_snapshot(std::make_shared<BackendSnapshot>())
{}

ProxyWorker::~ProxyWorker()
{
    delete m_notifier;
    m_sockets.clear();
    m_closed.clear();
    if (m_epoll >= 0) {
        ::close(m_epoll);
    }
}

void ProxyWorker::begin()
{
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (m_epoll < 0) {
        qCWarning(lcProxy) << "worker" << m_index << "cannot create epoll set:" << strerror(errno);
        return;
    }
    m_notifier = new QSocketNotifier(m_epoll, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, [this] { processEvents(); });
    m_sweepTimer = new QTimer(this);
    connect(m_sweepTimer, &QTimer::timeout, this, [this] { sweep(); });
    m_sweepTimer->start(SweepIntervalMs);
    m_publishTimer = new QTimer(this);
    connect(m_publishTimer, &QTimer::timeout, this, [this] { publish(); });
    m_publishTimer->start(PublishIntervalMs);
    m_nowMs = steadyMs();
}

bool ProxyWorker::registerSocket(Socket *socket)
{
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.ptr = socket;
    return ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, socket->fd, &event) == 0;
}

void ProxyWorker::adoptClient(qintptr descriptor)
{
    const int fd = int(descriptor);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    adoptAccepted(fd, nullptr);
}

void ProxyWorker::listenOn(int descriptor)
{
    if (m_epoll < 0 || m_listenFd >= 0) {
        return;
    }
    // Level-triggered: connections left over after MaxAcceptsPerWake are reported again.
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = nullptr;
    if (::epoll_ctl(m_epoll, EPOLL_CTL_ADD, descriptor, &event) != 0) {
        qCWarning(lcProxy) << "worker" << m_index
                           << "cannot watch the listening socket:" << strerror(errno);
        return;
    }
    m_listenFd = descriptor;
}

void ProxyWorker::stopListening()
{
    if (m_listenFd >= 0) {
        ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, m_listenFd, nullptr);
        m_listenFd = -1;
    }
}

void ProxyWorker::acceptClients()
{
    for (int i = 0; i < MaxAcceptsPerWake && m_listenFd >= 0; ++i) {
        sockaddr_storage address{};
        socklen_t length = sizeof(address);
        const int fd = ::accept4(m_listenFd, reinterpret_cast<sockaddr *>(&address), &length,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            adoptAccepted(fd, &address);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED) {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            // Out of descriptors or memory: the connection stays queued for a later turn.
            qCWarning(lcProxy) << "worker" << m_index << "cannot accept:" << strerror(errno);
        }
        return;
    }
}

void ProxyWorker::adoptAccepted(int fd, const sockaddr_storage *address)
{
    if (m_epoll < 0) {
        ::close(fd);
        return;
    }
    if (!address) {
        // Not accepted from a listener of ours, which would have passed TCP_NODELAY on.
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    auto owned = std::make_unique<Client>(m_config);
    Client *client = owned.get();
    client->fd = fd;
    client->writable = true;
    m_nowMs = steadyMs();
    client->lastActivityMs = m_nowMs;
    client->peer = address ? addressText(*address) : peerAddress(fd);
    if (!registerSocket(client)) {
        return;
    }
    m_sockets.emplace(client, std::move(owned));
    if (m_config.mode == ProxyConfig::Mode::Tcp) {
        client->state = Client::State::Tunnel;
        client->startedUs = steadyUs();
        client->requestDone = true;
        assignUpstream(client);
    }
    client->readable = true;
    drive(client);
}

void ProxyWorker::setSnapshot(std::shared_ptr<const BackendSnapshot> snapshot)
{
    m_snapshot = std::move(snapshot);
    // Idle connections to backends that left the rotation are of no further use.
    for (auto &[serial, idle] : m_pool) {
        const auto alive = std::find_if(m_snapshot->all.begin(), m_snapshot->all.end(),
                                        [serial = serial](const auto &b) {
                                            return b->serial == serial && !b->draining.load();
                                        });
        if (alive == m_snapshot->all.end()) {
            for (Upstream *upstream : std::vector<Upstream *>(idle)) {
                closeSocket(upstream);
            }
        }
    }
    for (auto it = m_stats.begin(); it != m_stats.end();) {
        const int serial = it->first;
        const bool known = std::any_of(m_snapshot->all.begin(), m_snapshot->all.end(),
                                       [serial](const auto &b) { return b->serial == serial; });
        it = known ? std::next(it) : m_stats.erase(it);
    }
    m_closed.clear();
}

void ProxyWorker::closeBackend(int serial)
{
    std::vector<Client *> affected;
    for (auto &[socket, owned] : m_sockets) {
        if (socket->role == Socket::Role::Client) {
            auto *client = static_cast<Client *>(socket);
            if (client->backend && client->backend->serial == serial) {
                affected.push_back(client);
            }
        }
    }
    for (Client *client : affected) {
        if (client->dead) {
            continue;
        }
        if (client->state == Client::State::Exchange && !client->responseHeadDone) {
            respond(client, 502, "the backend was removed", true);
            drive(client);
        } else {
            abortClient(client);
        }
    }
    auto pooled = m_pool.find(serial);
    if (pooled != m_pool.end()) {
        for (Upstream *upstream : std::vector<Upstream *>(pooled->second)) {
            closeSocket(upstream);
        }
    }
    m_closed.clear();
}

void ProxyWorker::processEvents()
{
    epoll_event events[MaxEventsPerWait];
    const int count = ::epoll_wait(m_epoll, events, MaxEventsPerWait, 0);
    m_nowMs = steadyMs();
    bool clientsWaiting = false;
    for (int i = 0; i < count; ++i) {
        auto *socket = static_cast<Socket *>(events[i].data.ptr);
        if (!socket) {
            clientsWaiting = true;
            continue;
        }
        if (socket->dead) {
            continue;
        }
        const std::uint32_t flags = events[i].events;
        if (flags & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
            socket->readable = true;
        }
        if (flags & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
            socket->writable = true;
        }
        if (socket->role == Socket::Role::Client) {
            drive(static_cast<Client *>(socket));
            continue;
        }
        auto *upstream = static_cast<Upstream *>(socket);
        if (!upstream->client) {
            if (flags & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
                pooledEvent(upstream);
            }
            continue;
        }
        Client *client = upstream->client;
        if (upstream->connecting) {
            if (!(flags & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
                continue;
            }
            int error = 0;
            socklen_t length = sizeof(error);
            ::getsockopt(upstream->fd, SOL_SOCKET, SO_ERROR, &error, &length);
            if (error != 0 || (flags & (EPOLLERR | EPOLLHUP))) {
                connectFailed(client);
                drive(client);
                continue;
            }
            upstream->connecting = false;
            upstream->lastActivityMs = m_nowMs;
        }
        drive(client);
    }
    // New connections come after the exchanges already under way: a response that is ready
    // is not held back behind a burst of accepts.
    if (clientsWaiting) {
        acceptClients();
    }
    m_closed.clear();
}

void ProxyWorker::drive(Client *client)
{
    bool progress = true;
    while (progress && !client->dead) {
        switch (client->state) {
        case Client::State::Head:
            progress = stepHead(client);
            break;
        case Client::State::Exchange:
            progress = stepExchange(client);
            break;
        case Client::State::Tunnel:
            progress = stepTunnel(client);
            break;
        case Client::State::Closing:
            progress = stepClosing(client);
            break;
        }
    }
}

bool ProxyWorker::stepHead(Client *client)
{
    if (client->outPending()) {
        if (flushClient(client, ClientEnd::Abort) == Io::Failed) {
            return true;
        }
        if (client->outPending()) {
            return false;
        }
    }
    if (client->buffered() > 0) {
        if (client->headStartMs == 0) {
            client->headStartMs = m_nowMs;
        }
        switch (client->request.parseHead(client->data(), client->buffered())) {
        case MessageFramer::HeadResult::Complete:
            startExchange(client);
            return true;
        case MessageFramer::HeadResult::Incomplete:
            break;
        case MessageFramer::HeadResult::Malformed:
            qCDebug(lcProxy) << "refused request from" << client->peer.c_str() << ":"
                             << client->request.errorReason();
            respond(client, 400, "malformed request", true);
            return true;
        case MessageFramer::HeadResult::TooLarge:
        case MessageFramer::HeadResult::TooManyFields:
            respond(client, 431, "request header fields too large", true);
            return true;
        case MessageFramer::HeadResult::Unsupported:
            respond(client, 501, "transfer coding not implemented", true);
            return true;
        }
    }
    const std::size_t limit =
        std::max(std::size_t(m_config.maxHeaderBytes) + 4, InitialBufferBytes);
    // Between requests nothing is owed to anyone: a plain close is enough.
    return readClient(client, limit, ClientEnd::Close);
}

void ProxyWorker::startExchange(Client *client)
{
    MessageFramer &request = client->request;
    client->versionMinor = request.versionMinor();
    client->headMethod = request.method() == "HEAD";
    client->idempotent = isIdempotent(request.method());
    client->wantsTunnel = HeadRewriter::isTunnelUpgrade(request);
    client->closeAfter = !request.keepAlive();
    client->clientAskedClose = client->closeAfter;
    client->requestDone = false;
    client->bodySent = false;
    client->responseStarted = false;
    client->responseHeadDone = false;
    client->retriedStale = false;
    client->requestPending = 0;
    client->responsePending = 0;
    client->status = 0;
    client->triedSerials.clear();
    client->expectContinue = false;
    client->startedUs = steadyUs();

    const std::size_t headSize = request.headSize();
    const std::string_view expect = MessageFramer::trimOws(request.field("expect"));
    if (!expect.empty() && client->versionMinor == 1) {
        // RFC 9110 §10.1.1: 100-continue is the only expectation defined; others get 417.
        if (!equalsNoCase(expect, "100-continue")) {
            client->begin += headSize;
            respond(client, 417, "unsupported expectation", true);
            return;
        }
        client->expectContinue = true;
    }
    if (request.method() == "CONNECT") {
        client->begin += headSize;
        respond(client, 405, "CONNECT is not supported", true);
        return;
    }
    client->upstreamHead.clear();
    HeadRewriter::appendUpstreamRequest(client->upstreamHead, request, client->peer);
    client->requestDone = request.messageComplete();
    client->begin += headSize;
    client->state = Client::State::Exchange;
    if (!client->requestDone && client->buffered() > 0) {
        // Frame the body bytes already here before choosing a backend, so that a request
        // with broken chunk framing is refused before anything of it is forwarded.
        client->requestPending = request.feedBody(client->data(), client->buffered());
        if (request.bodyError() || client->requestPending == 0) {
            qCDebug(lcProxy) << "invalid request body from" << client->peer.c_str();
            respond(client, 400, "malformed request body", true);
            return;
        }
    }
    client->lastActivityMs = m_nowMs;
    assignUpstream(client);
}

bool ProxyWorker::assignUpstream(Client *client)
{
    for (;;) {
        if (int(client->triedSerials.size()) >= MaxConnectAttempts) {
            respond(client, 502, "no backend accepted the connection", false);
            return false;
        }
        std::shared_ptr<BackendState> backend =
            m_balancer->acquire(*m_snapshot, client->triedSerials, m_nowMs);
        if (!backend) {
            if (client->triedSerials.empty()) {
                respond(client, 503, "no backend available", false);
            } else {
                respond(client, 502, "no backend accepted the connection", false);
            }
            return false;
        }
        client->triedSerials.push_back(backend->serial);
        client->backend = backend;
        Upstream *upstream = takePooled(backend->serial);
        if (!upstream) {
            upstream = connectTo(backend);
        }
        if (!upstream) {
            backend->ejectedUntilMs.store(m_nowMs + m_config.failedBackendBackoffMs);
            ++statsFor(*backend).counters.failures;
            releaseBackend(client);
            continue;
        }
        upstream->client = client;
        upstream->lastActivityMs = m_nowMs;
        upstream->response.reset(client->headMethod);
        client->upstream = upstream;
        if (m_config.mode == ProxyConfig::Mode::Http) {
            upstream->out = client->upstreamHead;
            upstream->outSent = 0;
        }
        return true;
    }
}

ProxyWorker::Upstream *ProxyWorker::connectTo(const std::shared_ptr<BackendState> &backend)
{
    const int family = backend->socketAddress.ss_family;
    const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        qCWarning(lcProxy) << "cannot create a socket:" << strerror(errno);
        return nullptr;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto owned = std::make_unique<Upstream>(backend, m_config);
    owned->fd = fd;
    const int rc = ::connect(fd, reinterpret_cast<const sockaddr *>(&backend->socketAddress),
                             backend->socketAddressLength);
    if (rc != 0 && errno != EINPROGRESS) {
        qCDebug(lcProxy) << "connect to" << backend->backend.id << "failed:" << strerror(errno);
        return nullptr;
    }
    owned->connecting = rc != 0;
    owned->writable = rc == 0;
    owned->connectStartMs = m_nowMs;
    if (!registerSocket(owned.get())) {
        return nullptr;
    }
    Upstream *upstream = owned.get();
    m_sockets.emplace(upstream, std::move(owned));
    return upstream;
}

ProxyWorker::Upstream *ProxyWorker::takePooled(int serial)
{
    auto it = m_pool.find(serial);
    if (it == m_pool.end() || it->second.empty()) {
        return nullptr;
    }
    Upstream *upstream = it->second.back();
    it->second.pop_back();
    upstream->reused = true;
    return upstream;
}

void ProxyWorker::removeFromPool(Upstream *upstream)
{
    auto it = m_pool.find(upstream->backend->serial);
    if (it != m_pool.end()) {
        auto &idle = it->second;
        idle.erase(std::remove(idle.begin(), idle.end(), upstream), idle.end());
    }
}

void ProxyWorker::pooledEvent(Upstream *upstream)
{
    // An idle connection has nothing to say: data or a close both end its usefulness
    // (RFC 9112 §9.3.1: the replica may close an idle connection at any time).
    closeSocket(upstream);
}

void ProxyWorker::closeSocket(Socket *socket)
{
    if (socket->dead) {
        return;
    }
    socket->dead = true;
    if (socket->role == Socket::Role::Upstream) {
        auto *upstream = static_cast<Upstream *>(socket);
        if (!upstream->client) {
            removeFromPool(upstream);
        } else if (upstream->client->upstream == upstream) {
            upstream->client->upstream = nullptr;
        }
    } else {
        auto *client = static_cast<Client *>(socket);
        if (client->upstream) {
            releaseUpstream(client, false);
        }
        releaseBackend(client);
    }
    // No EPOLL_CTL_DEL: closing the only descriptor of the socket (when m_closed is cleared,
    // after the current batch) takes it out of the epoll set, one system call fewer per
    // connection; until then `dead` makes its remaining events in the batch be skipped.
    auto it = m_sockets.find(socket);
    if (it != m_sockets.end()) {
        m_closed.push_back(std::move(it->second));
        m_sockets.erase(it);
    }
}

void ProxyWorker::releaseBackend(Client *client)
{
    if (client->backend) {
        Balancer::release(*client->backend);
        client->backend.reset();
    }
}

void ProxyWorker::releaseUpstream(Client *client, bool reusable)
{
    Upstream *upstream = client->upstream;
    client->upstream = nullptr;
    if (!upstream) {
        return;
    }
    auto &idle = m_pool[upstream->backend->serial];
    reusable = reusable && !upstream->backend->draining.load() &&
               int(idle.size()) < m_config.maxIdleUpstreamPerBackend;
    if (!reusable) {
        upstream->client = nullptr;
        closeSocket(upstream);
        return;
    }
    upstream->client = nullptr;
    upstream->begin = upstream->end = 0;
    upstream->lastActivityMs = m_nowMs;
    idle.push_back(upstream);
}

void ProxyWorker::connectFailed(Client *client)
{
    BackendState &backend = *client->backend;
    qCDebug(lcProxy) << "backend" << backend.backend.id << "refused or did not answer; skipped for"
                     << m_config.failedBackendBackoffMs << "ms";
    backend.ejectedUntilMs.store(m_nowMs + m_config.failedBackendBackoffMs);
    ++statsFor(backend).counters.failures;
    releaseUpstream(client, false);
    releaseBackend(client);
    // Nothing reached the backend, so another one may serve the request.
    assignUpstream(client);
}

void ProxyWorker::upstreamLost(Client *client)
{
    Upstream *upstream = client->upstream;
    const bool wasReused = upstream && upstream->reused;
    const bool nothingBack = !client->responseStarted;
    const bool headUnsent =
        upstream && upstream->outSent == 0 && upstream->out.size() == client->upstreamHead.size();
    // Body bytes already sent are gone from the client's buffer; without them the request
    // cannot be sent again. Otherwise it can when the replica cannot have seen it, or when
    // acting on it twice is harmless.
    const bool resendable = !client->bodySent && (headUnsent || client->idempotent);
    // A pooled connection that the replica closed just before reuse: nothing of the request
    // was processed, so one retry on a fresh connection is safe.
    if (wasReused && nothingBack && !client->bodySent && !client->retriedStale) {
        client->retriedStale = true;
        std::shared_ptr<BackendState> backend = client->backend;
        releaseUpstream(client, false);
        Upstream *fresh = connectTo(backend);
        if (fresh) {
            fresh->client = client;
            fresh->lastActivityMs = m_nowMs;
            fresh->response.reset(client->headMethod);
            fresh->out = client->upstreamHead;
            client->upstream = fresh;
            return;
        }
    }
    if (client->backend) {
        ++statsFor(*client->backend).counters.failures;
    }
    // Passive health: a fresh connection closed or reset with no answer (or a replica that
    // refuses the retry above) means the replica is failing, not an idle-close race. It is
    // skipped for the back-off, and a request that can safely be sent again goes elsewhere.
    if (client->backend && nothingBack) {
        qCDebug(lcProxy) << "backend" << client->backend->backend.id
                         << "closed the connection without an answer; skipped for"
                         << m_config.failedBackendBackoffMs << "ms";
        client->backend->ejectedUntilMs.store(m_nowMs + m_config.failedBackendBackoffMs);
        if (resendable) {
            releaseUpstream(client, false);
            releaseBackend(client);
            // The next replica gets its own allowance for a stale pooled connection.
            client->retriedStale = false;
            assignUpstream(client);
            return;
        }
    }
    if (!client->responseHeadDone) {
        respond(client, 502, "the backend closed the connection", true);
    } else {
        abortClient(client);
    }
}

void ProxyWorker::respond(Client *client, int status, const char *text, bool forceClose)
{
    if (client->upstream) {
        releaseUpstream(client, false);
    }
    releaseBackend(client);
    // The body of a refused request has not been read: the connection cannot carry another.
    const bool bodyLeft = client->state == Client::State::Exchange && !client->requestDone;
    client->closeAfter =
        client->closeAfter || forceClose || bodyLeft || m_config.mode == ProxyConfig::Mode::Tcp;
    if (m_config.mode == ProxyConfig::Mode::Tcp) {
        startClosing(client);
        return;
    }
    client->out.clear();
    client->outSent = 0;
    HeadRewriter::appendProxyResponse(client->out, status, text, client->closeAfter);
    if (client->closeAfter) {
        startClosing(client);
    } else {
        resetForNextRequest(client);
    }
}

void ProxyWorker::abortClient(Client *client)
{
    if (client->upstream) {
        releaseUpstream(client, false);
    }
    closeSocket(client);
}

void ProxyWorker::startClosing(Client *client)
{
    client->state = Client::State::Closing;
    client->closingSinceMs = m_nowMs;
}

void ProxyWorker::endClient(Client *client, ClientEnd how)
{
    // Abort releases the upstream before the client is marked dead; Close lets closeSocket
    // release it afterwards. Each caller keeps the order it always had.
    if (how == ClientEnd::Abort) {
        abortClient(client);
    } else {
        closeSocket(client);
    }
}

ProxyWorker::Io ProxyWorker::flushClient(Client *client, ClientEnd onFailure)
{
    const Io io = client->flushOut();
    if (io == Io::Failed) {
        endClient(client, onFailure);
    }
    return io;
}

bool ProxyWorker::readClient(Client *client, std::size_t limit, ClientEnd onEnd)
{
    switch (client->readSome(limit)) {
    case Io::Progress:
        client->lastActivityMs = m_nowMs;
        return true;
    case Io::Again:
        return false;
    case Io::Closed:
    case Io::Failed:
        endClient(client, onEnd);
        return true;
    }
    return false;
}

void ProxyWorker::resetForNextRequest(Client *client)
{
    client->state = Client::State::Head;
    client->clientAskedClose = false;
    client->request.reset();
    client->headStartMs = client->buffered() > 0 ? m_nowMs : 0;
    client->lastActivityMs = m_nowMs;
}

bool ProxyWorker::stepExchange(Client *client)
{
    bool progress = false;
    if (client->outPending()) {
        const Io io = flushClient(client, ClientEnd::Abort);
        if (io == Io::Failed) {
            return true;
        }
        progress = io == Io::Progress;
    }
    Upstream *upstream = client->upstream;
    if (!upstream || upstream->connecting) {
        return progress;
    }
    if (upstream->outPending()) {
        const std::size_t pending = upstream->out.size() - upstream->outSent;
        const Io io = upstream->flushOut();
        if (io == Io::Failed) {
            upstreamLost(client);
            return true;
        }
        const std::size_t left =
            upstream->outPending() ? upstream->out.size() - upstream->outSent : 0;
        statsFor(*upstream->backend).counters.bytesIn += pending - left;
        progress = progress || io == Io::Progress;
    }
    if (!upstream->outPending() && !client->requestDone) {
        progress = stepRequestBody(client) || progress;
        if (client->dead || client->state != Client::State::Exchange || !client->upstream ||
            client->upstream->connecting) {
            return true;
        }
    }
    return stepResponse(client) || progress;
}

bool ProxyWorker::stepRequestBody(Client *client)
{
    Upstream *upstream = client->upstream;
    if (client->requestPending == 0 && client->buffered() > 0) {
        client->requestPending = client->request.feedBody(client->data(), client->buffered());
        if (client->request.bodyError() ||
            (client->requestPending == 0 && !client->request.messageComplete())) {
            qCDebug(lcProxy) << "invalid chunked body from" << client->peer.c_str();
            if (!client->responseHeadDone) {
                respond(client, 400, "malformed request body", true);
            } else {
                abortClient(client);
            }
            return true;
        }
    }
    if (client->requestPending > 0) {
        std::size_t sent = 0;
        const Io io = upstream->sendSome(client->data(), client->requestPending, sent);
        if (io == Io::Failed) {
            upstreamLost(client);
            return true;
        }
        client->begin += sent;
        client->requestPending -= sent;
        client->bodySent = client->bodySent || sent > 0;
        statsFor(*upstream->backend).counters.bytesIn += sent;
        if (sent > 0) {
            client->lastActivityMs = m_nowMs;
        }
        if (client->requestPending > 0) {
            return sent > 0;
        }
    }
    if (client->request.messageComplete()) {
        client->requestDone = true;
        return true;
    }
    if (client->buffered() > 0) {
        return true;
    }
    // The client going away in the middle of its request also ends the exchange upstream.
    return readClient(client, StreamBufferBytes, ClientEnd::Abort);
}

bool ProxyWorker::stepResponse(Client *client)
{
    Upstream *upstream = client->upstream;
    if (client->responseHeadDone) {
        return stepResponseBody(client);
    }
    bool progress = false;
    for (;;) {
        if (upstream->buffered() > 0) {
            MessageFramer &response = upstream->response;
            const auto result = response.parseHead(upstream->data(), upstream->buffered());
            if (result == MessageFramer::HeadResult::Complete) {
                const int status = response.statusCode();
                const std::size_t headSize = response.headSize();
                if (status == 101) {
                    if (!client->wantsTunnel) {
                        ++statsFor(*upstream->backend).counters.failures;
                        respond(client, 502, "unexpected protocol switch from the backend", true);
                        return true;
                    }
                    client->status = status;
                    HeadRewriter::appendClientResponse(client->out, response, false,
                                                       client->versionMinor);
                    upstream->begin += headSize;
                    enterTunnel(client);
                    return true;
                }
                if (status < 200) {
                    // Interim responses: relay 100 to a client that waits for it (RFC 9110
                    // §10.1.1); others are optional and dropped.
                    if (status == 100 && client->expectContinue) {
                        client->out.append(ContinueResponse);
                        client->expectContinue = false;
                    }
                    upstream->begin += headSize;
                    response.reset(client->headMethod);
                    progress = true;
                    continue;
                }
                client->status = status;
                // A response that ends before the request body was forwarded leaves the client
                // connection without a known next request boundary.
                client->closeAfter = client->closeAfter || !client->requestDone ||
                                     response.framing() == MessageFramer::BodyFraming::UntilClose;
                const std::size_t before = client->out.size();
                HeadRewriter::appendClientResponse(client->out, response, client->closeAfter,
                                                   client->versionMinor);
                statsFor(*upstream->backend).counters.bytesOut += client->out.size() - before;
                upstream->begin += headSize;
                client->responseHeadDone = true;
                return stepResponseBody(client) || true;
            }
            if (result != MessageFramer::HeadResult::Incomplete) {
                qCDebug(lcProxy) << "invalid response from" << upstream->backend->backend.id << ":"
                                 << response.errorReason();
                ++statsFor(*upstream->backend).counters.failures;
                respond(client, 502, "invalid response from the backend", true);
                return true;
            }
        }
        const std::size_t limit =
            std::max(std::size_t(m_config.maxHeaderBytes) + 4, InitialBufferBytes);
        switch (upstream->readSome(limit)) {
        case Io::Progress:
            client->responseStarted = true;
            upstream->lastActivityMs = m_nowMs;
            client->lastActivityMs = m_nowMs;
            progress = true;
            continue;
        case Io::Again:
            if (upstream->buffered() >= limit) {
                respond(client, 502, "response head too large", true);
                return true;
            }
            return progress;
        case Io::Closed:
        case Io::Failed:
            upstreamLost(client);
            return true;
        }
    }
}

bool ProxyWorker::stepResponseBody(Client *client)
{
    Upstream *upstream = client->upstream;
    if (client->outPending()) {
        // The start of the body goes out in the same write as the head: one segment and one
        // wake-up for the client instead of two.
        MessageFramer &response = upstream->response;
        if (client->responsePending == 0 && upstream->buffered() > 0 &&
            !response.messageComplete() && client->out.size() < CoalesceBytes) {
            const std::size_t room =
                std::min(CoalesceBytes - client->out.size(), upstream->buffered());
            const std::size_t used = response.feedBody(upstream->data(), room);
            if (response.bodyError() || (used == 0 && !response.messageComplete())) {
                ++statsFor(*upstream->backend).counters.failures;
                abortClient(client);
                return true;
            }
            client->out.append(upstream->data(), used);
            upstream->begin += used;
            statsFor(*upstream->backend).counters.bytesOut += used;
        }
        const Io io = flushClient(client, ClientEnd::Abort);
        if (io == Io::Failed) {
            return true;
        }
        if (client->outPending()) {
            return io == Io::Progress;
        }
    }
    bool progress = false;
    for (;;) {
        MessageFramer &response = upstream->response;
        if (client->responsePending == 0 && upstream->buffered() > 0 &&
            !response.messageComplete()) {
            client->responsePending = response.feedBody(upstream->data(), upstream->buffered());
            if (response.bodyError() ||
                (client->responsePending == 0 && !response.messageComplete())) {
                ++statsFor(*upstream->backend).counters.failures;
                abortClient(client);
                return true;
            }
        }
        if (client->responsePending > 0) {
            std::size_t sent = 0;
            const Io io = client->sendSome(upstream->data(), client->responsePending, sent);
            if (io == Io::Failed) {
                abortClient(client);
                return true;
            }
            upstream->begin += sent;
            client->responsePending -= sent;
            statsFor(*upstream->backend).counters.bytesOut += sent;
            if (sent == 0 || client->responsePending > 0) {
                return progress;
            }
            progress = true;
            client->lastActivityMs = m_nowMs;
            continue;
        }
        if (response.messageComplete()) {
            finishExchange(client);
            return true;
        }
        if (upstream->buffered() > 0) {
            continue;
        }
        switch (upstream->readSome(StreamBufferBytes)) {
        case Io::Progress:
            upstream->lastActivityMs = m_nowMs;
            client->lastActivityMs = m_nowMs;
            progress = true;
            continue;
        case Io::Again:
            return progress;
        case Io::Closed:
            if (response.finishAtClose()) {
                continue;
            }
            [[fallthrough]];
        case Io::Failed:
            // The response was cut short; the client can only learn it from a close.
            ++statsFor(*upstream->backend).counters.failures;
            abortClient(client);
            return true;
        }
    }
}

void ProxyWorker::finishExchange(Client *client)
{
    Upstream *upstream = client->upstream;
    Stats &stats = statsFor(*upstream->backend);
    BackendCounters &counters = stats.counters;
    ++counters.requests;
    const int statusClass = client->status / 100;
    counters.status2xx += statusClass == 2 ? 1 : 0;
    counters.status3xx += statusClass == 3 ? 1 : 0;
    counters.status4xx += statusClass == 4 ? 1 : 0;
    counters.status5xx += statusClass == 5 ? 1 : 0;
    stats.periods[stats.current].add(steadyUs() - client->startedUs);

    const bool reusable = client->requestDone && upstream->response.keepAlive() &&
                          !upstream->peerClosed && upstream->buffered() == 0;
    releaseUpstream(client, reusable);
    releaseBackend(client);
    if (client->closeAfter || !client->requestDone) {
        startClosing(client);
    } else {
        resetForNextRequest(client);
    }
}

void ProxyWorker::enterTunnel(Client *client)
{
    client->state = Client::State::Tunnel;
    client->requestDone = true;
    client->lastActivityMs = m_nowMs;
}

bool ProxyWorker::stepTunnel(Client *client)
{
    Upstream *upstream = client->upstream;
    if (!upstream) {
        closeSocket(client);
        return true;
    }
    bool progress = false;
    if (client->outPending()) {
        const Io io = flushClient(client, ClientEnd::Abort);
        if (io == Io::Failed) {
            return true;
        }
        if (client->outPending()) {
            return io == Io::Progress;
        }
        progress = io == Io::Progress;
    }
    if (upstream->connecting) {
        return progress;
    }
    BackendCounters &counters = statsFor(*upstream->backend).counters;
    // Copies one direction; false on a failure that ends the tunnel.
    const auto copy = [&](Socket *from, Socket *to, bool &halfClosed, quint64 &bytes) -> bool {
        for (;;) {
            if (from->buffered() > 0) {
                std::size_t sent = 0;
                if (to->sendSome(from->data(), from->buffered(), sent) == Io::Failed) {
                    return false;
                }
                from->begin += sent;
                bytes += sent;
                if (sent == 0) {
                    return true;
                }
                progress = true;
                client->lastActivityMs = m_nowMs;
                if (from->buffered() > 0) {
                    return true;
                }
            }
            if (halfClosed) {
                return true;
            }
            const Io io = from->readSome(StreamBufferBytes);
            if (io == Io::Again) {
                return true;
            }
            if (io == Io::Failed) {
                return false;
            }
            if (io == Io::Closed) {
                // Pass the half-close on: the other side may still answer.
                ::shutdown(to->fd, SHUT_WR);
                halfClosed = true;
                progress = true;
                return true;
            }
            progress = true;
        }
    };
    if (!copy(client, upstream, client->halfClosed, counters.bytesIn) ||
        !copy(upstream, client, upstream->halfClosed, counters.bytesOut)) {
        if (m_config.mode == ProxyConfig::Mode::Tcp && !client->responseStarted) {
            ++counters.failures;
        }
        abortClient(client);
        return true;
    }
    if (upstream->buffered() > 0 || client->buffered() > 0) {
        client->responseStarted = true;
    }
    if (client->halfClosed && upstream->halfClosed && client->buffered() == 0 &&
        upstream->buffered() == 0) {
        Stats &stats = statsFor(*upstream->backend);
        ++stats.counters.requests;
        stats.periods[stats.current].add(steadyUs() - client->startedUs);
        abortClient(client);
        return true;
    }
    return progress;
}

bool ProxyWorker::stepClosing(Client *client)
{
    if (client->outPending()) {
        // The exchange is over and the upstream already released: a plain close is enough.
        if (flushClient(client, ClientEnd::Close) == Io::Failed) {
            return true;
        }
        if (client->outPending()) {
            return false;
        }
    }
    if (!client->halfClosed && client->clientAskedClose && client->requestDone &&
        client->buffered() == 0) {
        // The client announced that it sends nothing more and all it sent was read: with an
        // empty receive queue a plain close ends in a FIN, not a reset, so there is nothing
        // to wait for (this is every request of a client that does not keep connections).
        // The last read came up short, so the queue was empty then; only when more may have
        // come since is it looked at again.
        char probe = 0;
        const ssize_t n =
            client->readable ? ::recv(client->fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT) : 0;
        if (n == 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))) {
            closeSocket(client);
            return true;
        }
    }
    if (!client->halfClosed) {
        ::shutdown(client->fd, SHUT_WR);
        client->halfClosed = true;
        client->closingSinceMs = m_nowMs;
    }
    // Read and drop until the client closes too, so the response is not lost to a reset.
    for (;;) {
        client->begin = client->end = 0;
        const Io io = client->readSome(InitialBufferBytes);
        if (io == Io::Again) {
            return false;
        }
        if (io != Io::Progress) {
            closeSocket(client);
            return true;
        }
    }
}

void ProxyWorker::sweep()
{
    m_nowMs = steadyMs();
    std::vector<Client *> expired;
    std::vector<Upstream *> staleIdle;
    for (auto &[socket, owned] : m_sockets) {
        if (socket->role == Socket::Role::Upstream) {
            auto *upstream = static_cast<Upstream *>(socket);
            if (!upstream->client &&
                m_nowMs - upstream->lastActivityMs > m_config.upstreamIdleTimeoutMs) {
                staleIdle.push_back(upstream);
            }
            continue;
        }
        auto *client = static_cast<Client *>(socket);
        const qint64 quiet = m_nowMs - client->lastActivityMs;
        bool late = false;
        switch (client->state) {
        case Client::State::Head:
            late = client->buffered() > 0 && client->headStartMs > 0
                       ? m_nowMs - client->headStartMs > m_config.headerReadTimeoutMs
                       : quiet > m_config.clientIdleTimeoutMs;
            break;
        case Client::State::Exchange:
            if (client->upstream && client->upstream->connecting) {
                late =
                    m_nowMs - client->upstream->connectStartMs > m_config.upstreamConnectTimeoutMs;
            } else {
                late = quiet > m_config.upstreamResponseTimeoutMs;
            }
            break;
        case Client::State::Tunnel:
            if (client->upstream && client->upstream->connecting) {
                late =
                    m_nowMs - client->upstream->connectStartMs > m_config.upstreamConnectTimeoutMs;
            } else {
                late = quiet > m_config.tunnelIdleTimeoutMs;
            }
            break;
        case Client::State::Closing:
            late = m_nowMs - client->closingSinceMs > LingerMs;
            break;
        }
        if (late) {
            expired.push_back(client);
        }
    }
    for (Upstream *upstream : staleIdle) {
        closeSocket(upstream);
    }
    for (Client *client : expired) {
        if (client->dead) {
            continue;
        }
        switch (client->state) {
        case Client::State::Head:
            if (client->buffered() > 0) {
                // RFC 9110 §15.5.9: the head did not arrive in time.
                respond(client, 408, "request head not received in time", true);
                drive(client);
            } else {
                closeSocket(client);
            }
            break;
        case Client::State::Exchange:
        case Client::State::Tunnel:
            if (client->upstream && client->upstream->connecting) {
                connectFailed(client);
                drive(client);
            } else if (client->state == Client::State::Exchange && !client->responseHeadDone) {
                if (client->backend) {
                    ++statsFor(*client->backend).counters.failures;
                }
                respond(client, 504, "the backend did not answer in time", true);
                drive(client);
            } else {
                abortClient(client);
            }
            break;
        case Client::State::Closing:
            closeSocket(client);
            break;
        }
    }
    m_closed.clear();
}

ProxyWorker::Stats &ProxyWorker::statsFor(const BackendState &backend)
{
    auto it = m_stats.find(backend.serial);
    if (it == m_stats.end()) {
        auto stats = std::make_unique<Stats>();
        stats->counters.id = backend.backend.id;
        it = m_stats.emplace(backend.serial, std::move(stats)).first;
    }
    return *it->second;
}

void ProxyWorker::publish()
{
    std::vector<BackendSample> samples;
    samples.reserve(m_stats.size());
    for (auto &[serial, stats] : m_stats) {
        BackendSample sample;
        sample.serial = serial;
        sample.counters = stats->counters;
        for (const LatencyHistogram &period : stats->periods) {
            sample.recentLatency.merge(period);
        }
        samples.push_back(std::move(sample));
        stats->current = (stats->current + 1) % LatencyWindowPeriods;
        stats->periods[stats->current].clear();
    }
    if (m_publisher) {
        m_publisher(m_index, std::move(samples));
    }
}

} // namespace Shoal::Core

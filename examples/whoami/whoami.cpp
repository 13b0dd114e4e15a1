// whoami: the replica that Shoal's example stack scales. Each reply names the container that
// served it, so a round of requests through the proxy shows the balancing at a glance.
//
// It runs as PID 1 in a FROM scratch image, so it uses only the C++ standard library and POSIX
// and is linked statically. One thread serves one connection; the main thread only accepts.
// Threads share only constants set before the first accept, the atomic stop flag and the
// connection count under s_countMutex.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

namespace {

constexpr int DefaultPort = 3000;
constexpr long MaxCpuMillis = 10000;
constexpr std::size_t MaxHeaderBytes = 16 * 1024;
constexpr std::size_t ReadChunkBytes = 16 * 1024;
constexpr int MaxConnections = 4096;
// A client that keeps a connection open without sending anything gives up its thread.
constexpr int IdleTimeoutMs = 60 * 1000;
// After SIGTERM, a request that has started arriving gets this long to arrive completely.
constexpr int StopGraceMs = 2000;

std::atomic<bool> s_stopping{false};
// Written once by the signal handler and never drained, so it stays readable: every poll()
// that watches it wakes up, in the accept loop and in each connection thread alike.
int s_stopPipe[2] = {-1, -1};

std::mutex s_countMutex;
std::condition_variable s_countChanged;
int s_connections = 0;

std::string s_hostname;

void onStopSignal(int)
{
    const int savedErrno = errno;
    s_stopping.store(true);
    const char byte = 1;
    [[maybe_unused]] const ssize_t n = write(s_stopPipe[1], &byte, 1);
    errno = savedErrno;
}

std::string lowercase(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string trimmed(const std::string &text)
{
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

// Parses a non-negative decimal without sign, spaces or overflow, as RFC 9110 section 8.6
// demands of Content-Length; the /cpu parameter follows the same rule.
std::optional<unsigned long long> parseDecimal(const std::string &text)
{
    if (text.empty() || text.size() > 18) {
        return std::nullopt;
    }
    unsigned long long value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + static_cast<unsigned long long>(c - '0');
    }
    return value;
}

void burnCpu(long millis)
{
    // Thread CPU time rather than wall time: on a busy host the request takes longer, which
    // is exactly the pressure that scaling out is meant to relieve.
    timespec start{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
    const long long target = static_cast<long long>(millis) * 1000000;
    volatile unsigned long sink = 0;
    for (;;) {
        for (int i = 0; i < 10000; ++i) {
            sink = sink + static_cast<unsigned long>(i);
        }
        timespec now{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
        const long long spent =
            (now.tv_sec - start.tv_sec) * 1000000000LL + (now.tv_nsec - start.tv_nsec);
        if (spent >= target) {
            return;
        }
    }
}

const char *reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 431:
        return "Request Header Fields Too Large";
    case 501:
        return "Not Implemented";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Internal Server Error";
    }
}

struct Request
{
    std::string method;
    std::string target;
    bool http10 = false;
    bool keepAlive = true;
    bool expectsContinue = false;
    unsigned long long contentLength = 0;
};

enum class ParseResult
{
    Complete,
    Bad,
};

// What the parser concluded when the request is unusable; such a connection is closed.
struct ParseFailure
{
    int status = 400;
};

void appendResponse(std::string &out, int status, const std::string &body, bool headOnly,
                    bool keepAlive, bool http10, const char *extraHeader = nullptr)
{
    out += http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += std::to_string(status);
    out += ' ';
    out += reasonPhrase(status);
    out += "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ";
    out += std::to_string(body.size());
    out += "\r\n";
    if (extraHeader) {
        out += extraHeader;
        out += "\r\n";
    }
    // HTTP/1.1 persists by default and HTTP/1.0 closes by default (RFC 9112 section 9.3), so
    // only the exception to each default is spelled out.
    if (!keepAlive && !http10) {
        out += "Connection: close\r\n";
    } else if (keepAlive && http10) {
        out += "Connection: keep-alive\r\n";
    }
    out += "\r\n";
    if (!headOnly) {
        out += body;
    }
}

// Reads the request line and header fields of RFC 9112 sections 3 and 5 from `head`, which
// holds everything before the empty line, without the final line break.
ParseResult parseHead(const std::string &head, Request &request, ParseFailure &failure)
{
    std::size_t lineStart = 0;
    auto nextLine = [&](std::string &line) {
        if (lineStart > head.size()) {
            return false;
        }
        std::size_t end = head.find('\n', lineStart);
        if (end == std::string::npos) {
            end = head.size();
        }
        line = head.substr(lineStart, end - lineStart);
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        lineStart = end + 1;
        return true;
    };

    std::string line;
    nextLine(line);
    const auto firstSpace = line.find(' ');
    const auto lastSpace = line.rfind(' ');
    if (firstSpace == std::string::npos || firstSpace == lastSpace || firstSpace == 0) {
        return ParseResult::Bad;
    }
    request.method = line.substr(0, firstSpace);
    request.target = line.substr(firstSpace + 1, lastSpace - firstSpace - 1);
    const std::string version = line.substr(lastSpace + 1);
    if (request.target.empty() || request.target.find(' ') != std::string::npos) {
        return ParseResult::Bad;
    }
    if (version == "HTTP/1.1") {
        request.http10 = false;
    } else if (version == "HTTP/1.0") {
        request.http10 = true;
    } else if (version.rfind("HTTP/", 0) == 0) {
        failure.status = 505;
        return ParseResult::Bad;
    } else {
        return ParseResult::Bad;
    }
    request.keepAlive = !request.http10;

    bool sawLength = false;
    while (nextLine(line)) {
        const auto colon = line.find(':');
        // Whitespace before the colon is forbidden because it lets proxies and servers
        // disagree about the field name (RFC 9112 section 5.1).
        if (colon == std::string::npos || colon == 0 || line[colon - 1] == ' ' ||
            line[colon - 1] == '\t' || line[0] == ' ' || line[0] == '\t') {
            return ParseResult::Bad;
        }
        const std::string name = lowercase(line.substr(0, colon));
        const std::string value = trimmed(line.substr(colon + 1));
        if (name == "content-length") {
            const auto length = parseDecimal(value);
            if (!length || (sawLength && *length != request.contentLength)) {
                return ParseResult::Bad;
            }
            sawLength = true;
            request.contentLength = *length;
        } else if (name == "transfer-encoding") {
            // Chunked bodies are not decoded here; guessing their end would desynchronise
            // the connection, so the request is refused and the connection closed.
            failure.status = 501;
            return ParseResult::Bad;
        } else if (name == "expect") {
            request.expectsContinue = lowercase(value) == "100-continue";
        } else if (name == "connection") {
            const std::string tokens = lowercase(value);
            if (tokens.find("close") != std::string::npos) {
                request.keepAlive = false;
            } else if (tokens.find("keep-alive") != std::string::npos) {
                request.keepAlive = true;
            }
        }
    }
    return ParseResult::Complete;
}

std::optional<std::string> queryValue(const std::string &query, const std::string &key)
{
    std::size_t start = 0;
    while (start <= query.size()) {
        std::size_t end = query.find('&', start);
        if (end == std::string::npos) {
            end = query.size();
        }
        const std::string pair = query.substr(start, end - start);
        const auto equals = pair.find('=');
        if (equals != std::string::npos && pair.compare(0, equals, key) == 0 &&
            equals == key.size()) {
            return pair.substr(equals + 1);
        }
        start = end + 1;
    }
    return std::nullopt;
}

void respond(const Request &request, bool keepAlive, std::string &out)
{
    const auto question = request.target.find('?');
    const std::string path = request.target.substr(0, question);
    const std::string query =
        question == std::string::npos ? std::string() : request.target.substr(question + 1);
    const bool isGet = request.method == "GET";
    const bool isHead = request.method == "HEAD";
    const bool known = path == "/" || path == "/health" || path == "/cpu";

    if (!known) {
        appendResponse(out, 404, "not found\n", isHead, keepAlive, request.http10);
        return;
    }
    if (!isGet && !isHead) {
        appendResponse(out, 405, "method not allowed\n", false, keepAlive, request.http10,
                       "Allow: GET, HEAD");
        return;
    }
    if (path == "/health") {
        appendResponse(out, 200, "ok\n", isHead, keepAlive, request.http10);
        return;
    }
    if (path == "/cpu") {
        const auto text = queryValue(query, "ms");
        const auto millis = text ? parseDecimal(*text) : std::optional<unsigned long long>(0);
        if (!millis) {
            appendResponse(out, 400, "ms must be a whole number of milliseconds\n", isHead,
                           keepAlive, request.http10);
            return;
        }
        burnCpu(static_cast<long>(std::min<unsigned long long>(*millis, MaxCpuMillis)));
    }
    appendResponse(out, 200, s_hostname + "\n", isHead, keepAlive, request.http10);
}

bool sendAll(int fd, const std::string &data)
{
    std::size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

// Answers every complete request in `buffer`, in order, and removes them from it. Returns
// false once the connection must close.
bool serveBuffered(int fd, std::string &buffer, unsigned long long &bodyToSkip)
{
    std::string out;
    bool open = true;
    for (;;) {
        if (bodyToSkip > 0) {
            const auto skipped = std::min<unsigned long long>(bodyToSkip, buffer.size());
            buffer.erase(0, static_cast<std::size_t>(skipped));
            bodyToSkip -= skipped;
            if (bodyToSkip > 0) {
                break;
            }
        }
        // RFC 9112 section 2.2 lets a recipient accept a bare LF as a line terminator.
        std::size_t headEnd = buffer.find("\n\r\n");
        std::size_t bodyStart = headEnd == std::string::npos ? headEnd : headEnd + 3;
        const std::size_t bareEnd = buffer.find("\n\n");
        if (bareEnd != std::string::npos && (headEnd == std::string::npos || bareEnd < headEnd)) {
            headEnd = bareEnd;
            bodyStart = bareEnd + 2;
        }
        if (headEnd == std::string::npos) {
            if (buffer.size() > MaxHeaderBytes) {
                appendResponse(out, 431, "request header too large\n", false, false, false);
                open = false;
            }
            break;
        }
        if (headEnd > MaxHeaderBytes) {
            appendResponse(out, 431, "request header too large\n", false, false, false);
            open = false;
            break;
        }
        // Clients may send empty lines before a request line (RFC 9112 section 2.2).
        std::size_t headStart = 0;
        while (headStart < headEnd && (buffer[headStart] == '\r' || buffer[headStart] == '\n')) {
            ++headStart;
        }
        Request request;
        ParseFailure failure;
        const std::string head = buffer.substr(headStart, headEnd - headStart);
        buffer.erase(0, bodyStart);
        if (parseHead(head, request, failure) != ParseResult::Complete) {
            appendResponse(out, failure.status, std::string(reasonPhrase(failure.status)) + "\n",
                           false, false, request.http10);
            open = false;
            break;
        }
        bodyToSkip = request.contentLength;
        // The body is read and dropped either way; a client waiting for 100 Continue would
        // otherwise hold it back, and its next request would be taken for body bytes
        // (RFC 9110 section 10.1.1).
        if (request.expectsContinue && !request.http10 && bodyToSkip > buffer.size()) {
            out += "HTTP/1.1 100 Continue\r\n\r\n";
        }
        const bool keepAlive = request.keepAlive && !s_stopping.load();
        respond(request, keepAlive, out);
        if (!keepAlive) {
            open = false;
            break;
        }
    }
    if (!out.empty() && !sendAll(fd, out)) {
        return false;
    }
    return open;
}

void serveUntilClosed(int fd)
{
    std::string buffer;
    unsigned long long bodyToSkip = 0;
    char chunk[ReadChunkBytes];
    auto stopDeadline = std::chrono::steady_clock::time_point::max();

    for (;;) {
        const bool stopping = s_stopping.load();
        int timeoutMs = IdleTimeoutMs;
        if (stopping) {
            // Between requests there is nothing in flight, so the connection ends at once.
            if (buffer.empty() && bodyToSkip == 0) {
                break;
            }
            const auto now = std::chrono::steady_clock::now();
            if (stopDeadline == std::chrono::steady_clock::time_point::max()) {
                stopDeadline = now + std::chrono::milliseconds(StopGraceMs);
            }
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(stopDeadline - now);
            timeoutMs = static_cast<int>(std::max<long long>(0, left.count()));
        }
        pollfd fds[2] = {{fd, POLLIN, 0}, {s_stopPipe[0], POLLIN, 0}};
        const int ready = poll(fds, stopping ? 1 : 2, timeoutMs);
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready <= 0) {
            break;
        }
        if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            continue;
        }
        const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        buffer.append(chunk, static_cast<std::size_t>(n));
        if (!serveBuffered(fd, buffer, bodyToSkip)) {
            break;
        }
    }
}

void serveConnection(int fd)
{
    serveUntilClosed(fd);
    close(fd);
    // Last step of the thread: main() may return as soon as the count reaches zero.
    std::lock_guard<std::mutex> lock(s_countMutex);
    --s_connections;
    s_countChanged.notify_all();
}

// Listens on every interface: inside a container the published port reaches the process
// through the container's own interface, never through loopback.
int openListener(int port)
{
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        const int off = 0;
        const int on = 1;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        sockaddr_in6 address{};
        address.sin6_family = AF_INET6;
        address.sin6_addr = in6addr_any;
        address.sin6_port = htons(static_cast<uint16_t>(port));
        if (bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0 &&
            listen(fd, SOMAXCONN) == 0) {
            return fd;
        }
        close(fd);
    }
    // Containers started with IPv6 disabled have no AF_INET6 at all.
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    address.sin_port = htons(static_cast<uint16_t>(port));
    if (bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 ||
        listen(fd, SOMAXCONN) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

void startConnection(int fd)
{
    {
        std::lock_guard<std::mutex> lock(s_countMutex);
        if (s_connections >= MaxConnections) {
            close(fd);
            return;
        }
        ++s_connections;
    }
    const int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    // A peer that stops reading must not pin a thread forever in send().
    const timeval sendTimeout{30, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, sizeof sendTimeout);
    try {
        std::thread(serveConnection, fd).detach();
    } catch (const std::system_error &) {
        close(fd);
        std::lock_guard<std::mutex> lock(s_countMutex);
        --s_connections;
    }
}

} // namespace

// `whoami probe`: the image has no shell and no curl, so its healthcheck runs the binary
// itself: GET /health on the local port, exit status 0 only for a 200.
int probeHealth(int port)
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return 1;
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
        close(fd);
        return 1;
    }
    const char request[] = "GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n";
    if (write(fd, request, sizeof request - 1) != static_cast<ssize_t>(sizeof request - 1)) {
        close(fd);
        return 1;
    }
    char reply[64] = {};
    const ssize_t received = read(fd, reply, sizeof reply - 1);
    close(fd);
    return received > 12 && std::strncmp(reply + 8, " 200", 4) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    int port = DefaultPort;
    if (const char *text = std::getenv("PORT")) {
        const auto value = parseDecimal(text);
        if (!value || *value == 0 || *value > 65535) {
            std::fprintf(stderr, "whoami: PORT must be 1-65535, got \"%s\"\n", text);
            return 2;
        }
        port = static_cast<int>(*value);
    }

    // Extra modes for example stacks: a healthcheck, and a one-shot job that ends with a
    // chosen status (for depends_on: service_completed_successfully).
    if (argc > 1 && std::strcmp(argv[1], "probe") == 0) {
        return probeHealth(port);
    }
    if (argc > 2 && std::strcmp(argv[1], "exit") == 0) {
        std::printf("whoami: one-shot job ending with status %s\n", argv[2]);
        return std::atoi(argv[2]);
    }

    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0) {
        std::strcpy(name, "unknown");
    }
    s_hostname = name;

    if (pipe2(s_stopPipe, O_CLOEXEC) != 0) {
        std::perror("whoami: pipe");
        return 1;
    }
    // As PID 1 the process gets no default action for SIGTERM: without a handler, the kernel
    // drops the signal and the engine has to wait out the grace period and kill it.
    struct sigaction action
    {};
    action.sa_handler = onStopSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    const int listener = openListener(port);
    if (listener < 0) {
        std::fprintf(stderr, "whoami: cannot listen on port %d: %s\n", port, std::strerror(errno));
        return 1;
    }
    std::printf("whoami listening on :%d as %s\n", port, s_hostname.c_str());
    std::fflush(stdout);

    while (!s_stopping.load()) {
        pollfd fds[2] = {{listener, POLLIN, 0}, {s_stopPipe[0], POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            continue;
        }
        if (fds[1].revents) {
            break;
        }
        const int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
            startConnection(fd);
        } else if (errno == EMFILE || errno == ENFILE) {
            // The pending connection stays queued and poll() reports it again at once, so
            // pause instead of spinning until a connection closes and frees a descriptor.
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }

    close(listener);
    std::unique_lock<std::mutex> lock(s_countMutex);
    std::printf("whoami stopping, finishing %d connection(s)\n", s_connections);
    std::fflush(stdout);
    s_countChanged.wait(lock, [] { return s_connections == 0; });
    return 0;
}

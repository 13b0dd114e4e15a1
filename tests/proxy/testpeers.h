#pragma once

// Small blocking peers for the proxy suites: a scriptable HTTP backend on 127.0.0.1:0 that
// serves each connection on its own thread, and a raw client socket.

#include <QByteArray>
#include <QList>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ProxyTest {

constexpr int IoTimeoutMs = 5000;

/// A blocking socket with a read buffer, used on both sides of the proxy.
class Peer
{
public:
    explicit Peer(int fd = -1)
        : m_fd(fd)
    {
        timeval tv{IoTimeoutMs / 1000, 0};
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        ::setsockopt(m_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    }
    Peer(const Peer &) = delete;
    Peer &operator=(const Peer &) = delete;
    ~Peer()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }

    static int connectTo(quint16 port)
    {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof(address)) != 0) {
            ::close(fd);
            return -1;
        }
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        return fd;
    }

    int fd() const { return m_fd; }
    std::string &buffer() { return m_buffer; }

    bool write(const std::string &bytes)
    {
        std::size_t done = 0;
        while (done < bytes.size()) {
            const ssize_t n = ::send(m_fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
            if (n <= 0) {
                return false;
            }
            done += std::size_t(n);
        }
        return true;
    }

    /// Reads more bytes into the buffer; false on close, error or timeout.
    bool fill()
    {
        char chunk[65536];
        const ssize_t n = ::recv(m_fd, chunk, sizeof(chunk), 0);
        if (n <= 0) {
            return false;
        }
        m_buffer.append(chunk, std::size_t(n));
        return true;
    }

    /// Whether the peer closed (or reset) the connection within `ms`.
    bool closedWithin(int ms)
    {
        pollfd p{m_fd, POLLIN, 0};
        for (int waited = 0; waited < ms; waited += 50) {
            if (::poll(&p, 1, 50) > 0) {
                char chunk[4096];
                const ssize_t n = ::recv(m_fd, chunk, sizeof(chunk), MSG_DONTWAIT);
                if (n <= 0) {
                    return true;
                }
                m_buffer.append(chunk, std::size_t(n));
            }
        }
        return false;
    }

    bool readHead(std::string &head)
    {
        for (;;) {
            const std::size_t end = m_buffer.find("\r\n\r\n");
            if (end != std::string::npos) {
                head = m_buffer.substr(0, end + 4);
                m_buffer.erase(0, end + 4);
                return true;
            }
            if (!fill()) {
                return false;
            }
        }
    }

    bool readExactly(std::size_t size, std::string &out)
    {
        while (m_buffer.size() < size) {
            if (!fill()) {
                return false;
            }
        }
        out = m_buffer.substr(0, size);
        m_buffer.erase(0, size);
        return true;
    }

    static std::string fieldOf(const std::string &head, const std::string &lowerName)
    {
        std::string lower = head;
        for (char &c : lower) {
            c = char(::tolower(static_cast<unsigned char>(c)));
        }
        const std::size_t at = lower.find("\r\n" + lowerName + ":");
        if (at == std::string::npos) {
            return {};
        }
        std::size_t begin = at + 3 + lowerName.size();
        while (begin < head.size() && head[begin] == ' ') {
            ++begin;
        }
        return head.substr(begin, head.find("\r\n", begin) - begin);
    }

    struct Response
    {
        int status = 0;
        std::string head;
        std::string body;
    };

    /// Reads one response framed by Content-Length (or by close when there is none).
    bool readResponse(Response &response)
    {
        if (!readHead(response.head)) {
            return false;
        }
        response.status = std::atoi(response.head.c_str() + 9);
        const std::string length = fieldOf(response.head, "content-length");
        if (!length.empty()) {
            return readExactly(std::size_t(std::stoull(length)), response.body);
        }
        if (response.status < 200 || response.status == 204 || response.status == 304) {
            return true;
        }
        while (fill()) {
        }
        response.body = m_buffer;
        m_buffer.clear();
        return true;
    }

private:
    int m_fd;
    std::string m_buffer;
};

/// A backend whose behaviour per connection is a function; it records every request head.
class Backend
{
public:
    using Handler = std::function<void(Backend &self, Peer &connection)>;

    explicit Backend(Handler handler)
        : m_handler(std::move(handler))
    {
        m_listenFd = ::socket(AF_INET, SOCK_STREAM, 0);
        const int one = 1;
        ::setsockopt(m_listenFd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(m_listenFd, reinterpret_cast<sockaddr *>(&address), sizeof(address));
        ::listen(m_listenFd, 128);
        socklen_t length = sizeof(address);
        ::getsockname(m_listenFd, reinterpret_cast<sockaddr *>(&address), &length);
        m_port = ntohs(address.sin_port);
        m_acceptThread = std::thread([this] { acceptLoop(); });
    }
    Backend(const Backend &) = delete;
    Backend &operator=(const Backend &) = delete;
    ~Backend()
    {
        m_stopping = true;
        if (m_acceptThread.joinable()) {
            ::shutdown(m_listenFd, SHUT_RDWR);
            m_acceptThread.join();
        }
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            for (const int fd : m_open) {
                ::shutdown(fd, SHUT_RDWR);
            }
        }
        for (std::thread &t : m_threads) {
            t.join();
        }
        if (m_listenFd >= 0) {
            ::close(m_listenFd);
        }
    }

    /// Dies as a crashed replica does: stops listening (new connections are refused) and
    /// resets every open connection, whatever it was doing.
    void kill()
    {
        m_stopping = true;
        ::shutdown(m_listenFd, SHUT_RDWR);
        m_acceptThread.join();
        ::close(m_listenFd);
        m_listenFd = -1;
        std::lock_guard<std::mutex> lock(m_mutex);
        const linger abort{1, 0};
        for (const int fd : m_open) {
            ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof(abort));
            // Wakes the connection's thread, which then closes it: with no linger, a reset.
            ::shutdown(fd, SHUT_RD);
        }
    }

    quint16 port() const { return m_port; }
    int accepted() const { return m_accepted.load(); }
    std::vector<std::string> heads()
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_heads;
    }
    void recordHead(const std::string &head)
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_heads.push_back(head);
    }

    /// Reads one request (head and Content-Length or chunked body); false at close.
    bool readRequest(Peer &connection, std::string &head, std::string &body)
    {
        if (!connection.readHead(head)) {
            return false;
        }
        recordHead(head);
        const std::string length = Peer::fieldOf(head, "content-length");
        if (!length.empty()) {
            return connection.readExactly(std::size_t(std::stoull(length)), body);
        }
        if (Peer::fieldOf(head, "transfer-encoding") == "chunked") {
            for (;;) {
                std::string line;
                while (connection.buffer().find("\r\n") == std::string::npos) {
                    if (!connection.fill()) {
                        return false;
                    }
                }
                const std::size_t eol = connection.buffer().find("\r\n");
                line = connection.buffer().substr(0, eol);
                connection.buffer().erase(0, eol + 2);
                const std::size_t size = std::stoul(line, nullptr, 16);
                std::string data;
                if (!connection.readExactly(size + 2, data)) {
                    return false;
                }
                body += data.substr(0, size);
                if (size == 0) {
                    return true;
                }
            }
        }
        return true;
    }

    /// Answers every request with `text` as the body, keeping the connection open.
    static Handler serving(const std::string &text)
    {
        return [text](Backend &self, Peer &connection) {
            std::string head;
            std::string body;
            while (self.readRequest(connection, head, body)) {
                if (!connection.write("HTTP/1.1 200 OK\r\nContent-Length: " +
                                      std::to_string(text.size()) + "\r\n\r\n" + text)) {
                    return;
                }
            }
        };
    }

private:
    void acceptLoop()
    {
        for (;;) {
            const int fd = ::accept(m_listenFd, nullptr, nullptr);
            if (fd < 0 || m_stopping) {
                if (fd >= 0) {
                    ::close(fd);
                }
                return;
            }
            ++m_accepted;
            std::lock_guard<std::mutex> lock(m_mutex);
            m_open.push_back(fd);
            m_threads.emplace_back([this, fd] {
                {
                    Peer connection(fd);
                    m_handler(*this, connection);
                    std::lock_guard<std::mutex> lock(m_mutex);
                    m_open.erase(std::remove(m_open.begin(), m_open.end(), fd), m_open.end());
                }
            });
        }
    }

    Handler m_handler;
    int m_listenFd = -1;
    quint16 m_port = 0;
    std::atomic<bool> m_stopping{false};
    std::atomic<int> m_accepted{0};
    std::thread m_acceptThread;
    std::mutex m_mutex;
    std::vector<int> m_open;
    std::vector<std::thread> m_threads;
    std::vector<std::string> m_heads;
};

} // namespace ProxyTest

#pragma once

// A small closed-loop HTTP/1.1 load generator for tests: a few threads, each with one
// keep-alive connection to 127.0.0.1, counting every request that did not get a 2xx.
// It never retries, so every failure the proxy lets through is counted, as wrk would.

#include <QtGlobal>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace Shoal::Test {

class LoadGenerator
{
public:
    struct Totals
    {
        long ok = 0;
        long non2xx = 0;
        long socketErrors = 0;
        /// The first few failed responses, whole, to say what went wrong.
        std::vector<std::string> failedResponses;

        /// Logs the counts and the failed responses, for the test's output.
        void log() const
        {
            qInfo("requests: %ld ok, %ld non-2xx, %ld socket errors", ok, non2xx, socketErrors);
            for (const std::string &failed : failedResponses) {
                qInfo("failed response: %s", failed.c_str());
            }
        }
    };

    LoadGenerator(quint16 port, int connections, std::chrono::milliseconds pause)
        : m_port(port)
        , m_connections(connections)
        , m_pause(pause)
    {}

    ~LoadGenerator() { stop(); }

    void start(std::chrono::seconds limit)
    {
        m_deadline = std::chrono::steady_clock::now() + limit;
        for (int i = 0; i < m_connections; ++i) {
            m_threads.emplace_back([this] { run(); });
        }
    }

    Totals stop()
    {
        m_stop = true;
        for (std::thread &thread : m_threads) {
            thread.join();
        }
        m_threads.clear();
        std::lock_guard<std::mutex> lock(m_failedLock);
        return {m_ok.load(), m_non2xx.load(), m_errors.load(), m_failedResponses};
    }

private:
    int connect() const
    {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(m_port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        timeval timeout{10, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
            ::close(fd);
            return -1;
        }
        return fd;
    }

    // One request on `fd`; false when the connection must be replaced.
    bool exchange(int fd)
    {
        static const char request[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        if (::send(fd, request, sizeof request - 1, MSG_NOSIGNAL) != ssize_t(sizeof request - 1)) {
            ++m_errors;
            return false;
        }
        std::string response;
        char buffer[4096];
        size_t headerEnd = std::string::npos;
        size_t wanted = 0;
        while (true) {
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0) {
                ++m_errors;
                return false;
            }
            response.append(buffer, size_t(n));
            if (headerEnd == std::string::npos) {
                headerEnd = response.find("\r\n\r\n");
                if (headerEnd == std::string::npos) {
                    continue;
                }
                const size_t length = response.find("Content-Length: ");
                wanted = headerEnd + 4 +
                         (length < headerEnd ? std::stoul(response.substr(length + 16)) : 0);
            }
            if (response.size() >= wanted) {
                break;
            }
        }
        const bool success = response.compare(0, 10, "HTTP/1.1 2") == 0;
        ++(success ? m_ok : m_non2xx);
        if (!success) {
            std::lock_guard<std::mutex> lock(m_failedLock);
            if (m_failedResponses.size() < MaxFailedResponsesKept) {
                m_failedResponses.push_back(response);
            }
        }
        const size_t close = response.find("Connection: close");
        return close == std::string::npos || close > headerEnd;
    }

    void run()
    {
        int fd = -1;
        while (!m_stop && std::chrono::steady_clock::now() < m_deadline) {
            if (fd < 0 && (fd = connect()) < 0) {
                ++m_errors;
                std::this_thread::sleep_for(m_pause);
                continue;
            }
            if (!exchange(fd)) {
                ::close(fd);
                fd = -1;
            }
            std::this_thread::sleep_for(m_pause);
        }
        if (fd >= 0) {
            ::close(fd);
        }
    }

    quint16 m_port;
    int m_connections;
    std::chrono::milliseconds m_pause;
    std::chrono::steady_clock::time_point m_deadline;
    std::atomic<bool> m_stop{false};
    std::atomic<long> m_ok{0};
    std::atomic<long> m_non2xx{0};
    std::atomic<long> m_errors{0};
    static constexpr std::size_t MaxFailedResponsesKept = 3;
    std::mutex m_failedLock;
    std::vector<std::string> m_failedResponses;
    std::vector<std::thread> m_threads;
};

} // namespace Shoal::Test

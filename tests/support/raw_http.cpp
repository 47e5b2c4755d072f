#include "support/raw_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>

namespace ocs::test {

RawConnection::RawConnection(unsigned short port)
{
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
        throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
    const timeval sendTimeout{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, sizeof sendTimeout);
}

RawConnection::~RawConnection()
{
    close();
}

void RawConnection::close()
{
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
}

void RawConnection::abort()
{
    const linger reset{1, 0};
    if (fd_ >= 0)
        setsockopt(fd_, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    close();
}

bool RawConnection::send(const std::string& bytes)
{
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

void RawConnection::finishSending()
{
    ::shutdown(fd_, SHUT_WR);
}

namespace {

// Reads what is available within the time left; false once the peer closed.
bool readSome(int fd, std::string& into, std::chrono::steady_clock::time_point deadline)
{
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        return true;
    char buffer[16384];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0)
        return false;
    into.append(buffer, static_cast<std::size_t>(n));
    return true;
}

} // namespace

RawResponse RawConnection::receive(int timeoutMs)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    RawResponse response;
    bool open = true;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto headerEnd = pending_.find("\r\n\r\n");
        if (headerEnd != std::string::npos) {
            const std::string headers = pending_.substr(0, headerEnd);
            std::size_t length = 0;
            for (const char* name : {"Content-Length: ", "content-length: "}) {
                if (auto at = headers.find(name); at != std::string::npos)
                    length = std::strtoul(headers.c_str() + at + 16, nullptr, 10);
            }
            if (pending_.size() >= headerEnd + 4 + length || !open) {
                response.answered = true;
                response.status = std::atoi(headers.c_str() + headers.find(' ') + 1);
                response.headers = headers;
                response.body = pending_.substr(headerEnd + 4, length);
                pending_.erase(0, headerEnd + 4 + length);
                return response;
            }
        }
        if (!open)
            break;
        open = readSome(fd_, pending_, deadline);
    }
    return response;
}

bool RawConnection::closedByPeer(int timeoutMs)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (std::chrono::steady_clock::now() < deadline) {
        if (!readSome(fd_, pending_, deadline))
            return true;
    }
    return false;
}

std::string soapPost(const std::string& body, bool keepAlive)
{
    return "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n" + (keepAlive ? "" : "Connection: close\r\n") + "\r\n" + body;
}

std::string envelope(const std::string& bodyXml)
{
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
           "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" "
           "xmlns:ocs=\"urn:openchange:ocsmanager:1\"><soap:Body>" +
           bodyXml + "</soap:Body></soap:Envelope>";
}

} // namespace ocs::test

// Test support: raw bytes to the daemon's port, for input no SOAP client
// would produce (malformed, truncated, oversized, slow).
#pragma once

#include <string>

namespace ocs::test {

struct RawResponse {
    bool answered = false; // false: the connection closed without an answer
    int status = 0;        // HTTP status
    std::string headers;
    std::string body;
};

class RawConnection {
public:
    explicit RawConnection(unsigned short port);
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    // False when the peer stopped reading for 10 s or closed.
    bool send(const std::string& bytes);
    // Shuts down the sending side (the peer reads end of input); answers
    // can still be received.
    void finishSending();
    // Reads one HTTP response (Content-Length framed) or until the peer
    // closes; gives up after timeoutMs.
    RawResponse receive(int timeoutMs = 5000);
    // True when the peer has closed (read returns 0) within timeoutMs.
    bool closedByPeer(int timeoutMs = 5000);
    void close();
    // Closes with a reset (SO_LINGER 0) instead of an orderly FIN.
    void abort();

private:
    int fd_ = -1;
    std::string pending_;
};

// A POST of `body` to "/" with a SOAP 1.1 content type.
std::string soapPost(const std::string& body, bool keepAlive = true);
// A minimal SOAP 1.1 envelope around `bodyXml`.
std::string envelope(const std::string& bodyXml);

} // namespace ocs::test

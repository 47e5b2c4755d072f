// One accepted client connection. Between requests it waits in the poller,
// owned by no worker; a worker takes it only while bytes are there to serve.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <openssl/ssl.h>

namespace ocs::daemon {

struct Connection {
    int fd = -1;
    std::string peer;         // address text, the key of per-address throttling
    int port = 0;
    SSL* ssl = nullptr;       // the TLS session, detached from any worker context
    unsigned requests = 0;    // served on this connection so far
    bool closed = false;      // the fd was closed while a worker had it
    std::chrono::steady_clock::time_point lastActive;

    // Closes what the connection still holds: the TLS session (close_notify
    // without waiting for the client's, then freed) and the socket.
    void close();
};

} // namespace ocs::daemon

// The listening side of the daemon: one port for both services. A poller
// thread accepts connections and watches the idle ones; a pool of workers
// serves the connections that have a request ready.
#pragma once

#include "common/result.hpp"
#include "config/config.hpp"
#include "daemon/metrics.hpp"
#include "service/request.hpp"

#include <memory>

namespace ocs::daemon {

class Server {
public:
    // metrics: what the server records; served on GET /metrics when
    // server.metrics is set.
    Server(const Config& config, service::Dependencies& deps, Metrics& metrics);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds the port and loads the TLS certificate; every failure here is a
    // reason not to start.
    Status open();
    unsigned short port() const;
    std::string describe() const; // address, scheme and workers, for the log

    // Serves until stop(); returns once every in-flight request is answered.
    void run();
    // Thread-safe: stops accepting, closes idle connections, lets workers
    // finish the requests they hold.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool isLoopbackHost(const std::string& host);

} // namespace ocs::daemon

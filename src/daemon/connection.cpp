#include "daemon/connection.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <openssl/err.h>

namespace ocs::daemon {

void Connection::close()
{
    if (ssl) {
        // One try at close_notify: a client that does not read cannot hold
        // the caller in a blocking write.
        if (fd >= 0)
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        SSL_shutdown(ssl);
        SSL_free(ssl);
        ssl = nullptr;
        // A shutdown that failed (a handshake that never finished) leaves its
        // error in this thread's queue, where the next TLS call would read it.
        ERR_clear_error();
    }
    if (fd >= 0)
        ::close(fd);
    fd = -1;
    closed = true;
}

} // namespace ocs::daemon

// Raw HTTP over a loopback socket, for what an HTTP client library would never send
// (malformed requests, a body that never comes, a client that never speaks) and for
// reading what the server does with the connection.
#pragma once

#include <chrono>
#include <string>

namespace fieldsync::testing {

struct RawAnswer {
  int status = 0;  // 0: the server closed the connection (or said nothing) without an answer
  std::string text;
};

// The status of a response's text; 0 when it is not one.
int status_of(const std::string& text);

// One connection to 127.0.0.1:port, from the loopback address `from` (127.0.0.2, say:
// Linux answers for all of 127.0.0.0/8, so a test can be several clients); closed by
// the destructor.
class RawConnection {
 public:
  explicit RawConnection(int port, const std::string& from = "127.0.0.1");
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends all of `bytes`; false when the server closed the connection first.
  bool send(const std::string& bytes);
  // Closes the sending side: the server reads end-of-stream.
  void finish_sending();
  // Reads until a whole response arrived, the server closed, or `deadline` passed.
  RawAnswer read_answer(std::chrono::milliseconds deadline);
  // Reads, adding to `text`, until `text` holds `needle` (true), or the server closed or
  // `deadline` passed (false): for a stream that never ends, such as server-sent events.
  bool read_until(const std::string& needle, std::string& text, std::chrono::milliseconds deadline);
  // Whether the server closes the connection within `deadline`, reading and
  // dropping whatever it sends first.
  bool closed_within(std::chrono::milliseconds deadline);

 private:
  int fd_ = -1;
};

// Sends `bytes` on a new connection, closes the sending side, and reads until a whole
// response arrived, the server closed the connection, or the deadline passed.
RawAnswer raw_exchange(int port, const std::string& bytes,
                       std::chrono::milliseconds deadline = std::chrono::milliseconds(3000),
                       const std::string& from = "127.0.0.1");

}  // namespace fieldsync::testing

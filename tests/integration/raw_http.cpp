#include "raw_http.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

namespace fieldsync::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Whether `text` holds a whole response: its head and a body of its Content-Length.
bool whole_response(const std::string& text) {
  const size_t head_end = text.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  const size_t at = text.find("Content-Length: ");
  if (at == std::string::npos || at > head_end) return true;
  const size_t length = std::strtoul(text.c_str() + at + 16, nullptr, 10);
  return text.size() >= head_end + 4 + length;
}

// Reads what arrives within the time left until `until`, appending to `text`: false
// when the connection closed (or failed), true when the time ran out first.
bool read_some(int fd, steady_clock::time_point until, std::string& text, bool& open) {
  const auto left = std::chrono::duration_cast<milliseconds>(until - steady_clock::now());
  pollfd readable{fd, POLLIN, 0};
  if (left.count() <= 0 || ::poll(&readable, 1, static_cast<int>(left.count())) <= 0) return false;
  char buffer[4096];
  const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
  if (n <= 0) {
    open = false;
    return false;
  }
  text.append(buffer, static_cast<size_t>(n));
  return true;
}

}  // namespace

int status_of(const std::string& text) {
  if (text.rfind("HTTP/1.", 0) != 0 || text.size() < 12) return 0;
  return std::atoi(text.substr(9, 3).c_str());
}

RawConnection::RawConnection(int port, const std::string& from) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in source{};
  source.sin_family = AF_INET;
  const bool bound = fd_ >= 0 && ::inet_pton(AF_INET, from.c_str(), &source.sin_addr) == 1 &&
                     ::bind(fd_, reinterpret_cast<sockaddr*>(&source), sizeof source) == 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ >= 0 &&
      (!bound || ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(const std::string& bytes) {
  for (size_t sent = 0; sent < bytes.size();) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;  // the server may close on garbage before reading it all
    sent += static_cast<size_t>(n);
  }
  return true;
}

void RawConnection::finish_sending() { ::shutdown(fd_, SHUT_WR); }

RawAnswer RawConnection::read_answer(milliseconds deadline) {
  RawAnswer answer;
  const auto until = steady_clock::now() + deadline;
  bool open = true;
  while (!whole_response(answer.text) && read_some(fd_, until, answer.text, open)) {
  }
  answer.status = status_of(answer.text);
  return answer;
}

bool RawConnection::read_until(const std::string& needle, std::string& text,
                               milliseconds deadline) {
  const auto until = steady_clock::now() + deadline;
  bool open = true;
  while (text.find(needle) == std::string::npos) {
    if (!read_some(fd_, until, text, open)) break;
  }
  return text.find(needle) != std::string::npos;
}

bool RawConnection::closed_within(milliseconds deadline) {
  const auto until = steady_clock::now() + deadline;
  std::string dropped;
  bool open = true;
  while (read_some(fd_, until, dropped, open)) dropped.clear();
  return !open;
}

RawAnswer raw_exchange(int port, const std::string& bytes, milliseconds deadline,
                       const std::string& from) {
  RawConnection connection(port, from);
  if (!connection.connected()) {
    ADD_FAILURE() << "cannot connect to the server on port " << port;
    return {};
  }
  connection.send(bytes);
  connection.finish_sending();
  return connection.read_answer(deadline);
}

}  // namespace fieldsync::testing

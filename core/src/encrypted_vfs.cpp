// The "fieldsync-aes" VFS (the layout of a page is in page_cipher.h). Reads and
// writes are mapped onto whole pages: SQLite reads and writes whole pages of the
// database file except the 100-byte header of page 1, and writes a WAL frame as its
// 24-byte header then its page image, while recovery reads header and image at once.
#include "encrypted_vfs.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <new>

namespace fieldsync {
namespace {

constexpr int kPage = kEncryptedPageSize;
constexpr int kBody = kPage - kEncryptedReservedBytes;  // the bytes of a page that are encrypted
constexpr int64_t kWalHeader = 32;
constexpr int64_t kFrameHeader = 24;
constexpr int64_t kFrame = kFrameHeader + kPage;

uint32_t get_u32(const unsigned char* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

bool all_zero(const unsigned char* p, size_t size) {
  return std::all_of(p, p + size, [](unsigned char b) { return b == 0; });
}

thread_local std::string t_page_failure;
// The keys of the database being opened by open_encrypted_database() on this thread:
// the main file's xOpen runs inside sqlite3_open_v2, on the caller's thread. The WAL
// takes its keys from the main file later.
thread_local const PageKeys* t_opening_keys = nullptr;

enum class FileRole { kDatabase, kWal, kPassThrough };

// What SQLite allocates for each file (szOsFile bytes): this, then the underlying
// VFS's own file. A plain struct, built in xOpen and destroyed in xClose.
struct EncryptedFile {
  sqlite3_file base;  // first: SQLite sees this
  FileRole role;
  PageCipher* cipher;     // owned; null for pass-through files
  const char* name;       // valid until xClose (SQLite's promise)
  int64_t header_offset;  // WAL: where this connection last wrote a frame header
  uint32_t header_pgno;   // ... and the page number it named
};

constexpr size_t kFileOffset = (sizeof(EncryptedFile) + 15) / 16 * 16;

sqlite3_file* real_file(EncryptedFile* f) {
  return reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kFileOffset);
}
EncryptedFile* self(sqlite3_file* file) {
  return reinterpret_cast<EncryptedFile*>(file);
}

// The key check of page 1 is compared before SQLite opens the file
// (inspect_database_file), so a page that fails here was changed or damaged.
int page_failure(EncryptedFile* f, uint32_t pgno, bool in_wal) {
  const std::string where = f->name != nullptr ? "'" + std::string(f->name) + "'" : "the database";
  t_page_failure = "page " + std::to_string(pgno) + (in_wal ? " in the WAL of " : " of ") + where +
                   " fails its authentication check: it was changed outside fieldsync, or it is "
                   "damaged";
  return SQLITE_IOERR_DATA;
}

int read_database(EncryptedFile* f, unsigned char* out, int amount, sqlite3_int64 offset) {
  sqlite3_file* real = real_file(f);
  std::array<unsigned char, kPage> page;
  while (amount > 0) {
    const int64_t index = offset / kPage;
    const int within = static_cast<int>(offset % kPage);
    const int n = std::min(amount, kPage - within);
    const bool whole = within == 0 && n == kPage;
    unsigned char* buffer = whole ? out : page.data();
    const int rc = real->pMethods->xRead(real, buffer, kPage, index * kPage);
    if (rc == SQLITE_IOERR_SHORT_READ && all_zero(buffer, kPage)) {  // past the end
      std::memset(out, 0, static_cast<size_t>(amount));
      return SQLITE_IOERR_SHORT_READ;
    }
    if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) return rc;
    const auto pgno = static_cast<uint32_t>(index + 1);
    if (!f->cipher->open(pgno, buffer, buffer)) return page_failure(f, pgno, false);
    if (!whole) std::memcpy(out, page.data() + within, static_cast<size_t>(n));
    out += n;
    offset += n;
    amount -= n;
  }
  return SQLITE_OK;
}

int write_database(EncryptedFile* f, const unsigned char* in, int amount, sqlite3_int64 offset) {
  sqlite3_file* real = real_file(f);
  std::array<unsigned char, kPage> plain;
  std::array<unsigned char, kPage> sealed;
  while (amount > 0) {
    const int64_t index = offset / kPage;
    const int within = static_cast<int>(offset % kPage);
    const int n = std::min(amount, kPage - within);
    const auto pgno = static_cast<uint32_t>(index + 1);
    const unsigned char* page = in;
    if (within != 0 || n != kPage) {  // part of a page: read it, change it, seal it again
      const int rc = read_database(f, plain.data(), kPage, index * kPage);
      if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) return rc;
      std::memcpy(plain.data() + within, in, static_cast<size_t>(n));
      page = plain.data();
    }
    if (!f->cipher->seal(pgno, page, sealed.data())) return SQLITE_IOERR_WRITE;
    const int rc = real->pMethods->xWrite(real, sealed.data(), kPage, index * kPage);
    if (rc != SQLITE_OK) return rc;
    in += n;
    offset += n;
    amount -= n;
  }
  return SQLITE_OK;
}

// Where `offset` falls in a WAL: in the WAL header (frame -1), or in frame `index` at
// `within` bytes from the frame's start.
struct WalPlace {
  int64_t index;
  int64_t frame_start;
  int within;
  int span;  // bytes from offset to the end of the part (header, frame header or image)
};

WalPlace wal_place(sqlite3_int64 offset) {
  if (offset < kWalHeader)
    return {-1, 0, static_cast<int>(offset), static_cast<int>(kWalHeader - offset)};
  const int64_t index = (offset - kWalHeader) / kFrame;
  const int64_t start = kWalHeader + index * kFrame;
  const int within = static_cast<int>(offset - start);
  const int span = within < kFrameHeader ? static_cast<int>(kFrameHeader) - within
                                         : static_cast<int>(kFrame) - within;
  return {index, start, within, span};
}

int read_wal(EncryptedFile* f, unsigned char* out, int amount, sqlite3_int64 offset) {
  sqlite3_file* real = real_file(f);
  const sqlite3_int64 begin = offset;
  std::array<unsigned char, kFrame> frame;
  while (amount > 0) {
    const WalPlace place = wal_place(offset);
    const int n = std::min(amount, place.span);
    if (place.index < 0 || place.within < kFrameHeader) {  // headers are in clear
      const int rc = real->pMethods->xRead(real, out, n, offset);
      if (rc == SQLITE_IOERR_SHORT_READ) std::memset(out, 0, static_cast<size_t>(amount));
      if (rc != SQLITE_OK) return rc;
    } else {
      const int rc = real->pMethods->xRead(real, frame.data(), kFrame, place.frame_start);
      if (rc == SQLITE_IOERR_SHORT_READ) {
        std::memset(out, 0, static_cast<size_t>(amount));
        return rc;
      }
      if (rc != SQLITE_OK) return rc;
      const uint32_t pgno = get_u32(frame.data());
      unsigned char* image = frame.data() + kFrameHeader;
      const bool opened = pgno != 0 && f->cipher->open(pgno, image, image);
      if (!opened) {
        // Recovery reads whole frames: zeros make SQLite's checksum end the log here,
        // as after a torn write. A frame SQLite already trusts must open.
        if (begin > place.frame_start) return page_failure(f, pgno, true);
        std::memset(image, 0, kPage);
      }
      std::memcpy(out, frame.data() + place.within, static_cast<size_t>(n));
    }
    out += n;
    offset += n;
    amount -= n;
  }
  return SQLITE_OK;
}

int write_wal(EncryptedFile* f, const unsigned char* in, int amount, sqlite3_int64 offset) {
  sqlite3_file* real = real_file(f);
  std::array<unsigned char, kPage> sealed;
  while (amount > 0) {
    const WalPlace place = wal_place(offset);
    const int n = std::min(amount, place.span);
    if (place.index < 0 || place.within < kFrameHeader) {
      if (place.index >= 0 && place.within == 0 && n >= 4) {
        f->header_offset = place.frame_start;
        f->header_pgno = get_u32(in);
      }
      const int rc = real->pMethods->xWrite(real, in, n, offset);
      if (rc != SQLITE_OK) return rc;
    } else {
      if (place.within != kFrameHeader || n != kPage) {
        t_page_failure =
            "a write of part of a WAL page image, which the encrypted store does not expect";
        return SQLITE_IOERR_WRITE;
      }
      // SQLite checksummed the plain image, reserved bytes included; they must read
      // back as they were written, and they read back as zeros.
      if (!all_zero(in + kBody, kPage - kBody)) {
        t_page_failure =
            "SQLite wrote into a page's reserved bytes, which the encrypted store uses";
        return SQLITE_IOERR_WRITE;
      }
      uint32_t pgno = f->header_pgno;
      if (f->header_offset != place.frame_start) {  // an image rewritten in place
        unsigned char header[4];
        const int rc = real->pMethods->xRead(real, header, sizeof(header), place.frame_start);
        if (rc != SQLITE_OK) return rc;
        pgno = get_u32(header);
      }
      if (!f->cipher->seal(pgno, in, sealed.data())) return SQLITE_IOERR_WRITE;
      const int rc = real->pMethods->xWrite(real, sealed.data(), kPage, offset);
      if (rc != SQLITE_OK) return rc;
    }
    in += n;
    offset += n;
    amount -= n;
  }
  return SQLITE_OK;
}

// ---- sqlite3_io_methods: reads and writes by role, everything else forwarded ----

int x_close(sqlite3_file* file) {
  EncryptedFile* f = self(file);
  sqlite3_file* real = real_file(f);
  const int rc = real->pMethods != nullptr ? real->pMethods->xClose(real) : SQLITE_OK;
  delete f->cipher;
  f->cipher = nullptr;
  return rc;
}

int x_read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  EncryptedFile* f = self(file);
  auto* bytes = static_cast<unsigned char*>(out);
  switch (f->role) {
    case FileRole::kDatabase:
      return read_database(f, bytes, amount, offset);
    case FileRole::kWal:
      return read_wal(f, bytes, amount, offset);
    case FileRole::kPassThrough:
      break;
  }
  sqlite3_file* real = real_file(f);
  return real->pMethods->xRead(real, out, amount, offset);
}

int x_write(sqlite3_file* file, const void* in, int amount, sqlite3_int64 offset) {
  EncryptedFile* f = self(file);
  const auto* bytes = static_cast<const unsigned char*>(in);
  switch (f->role) {
    case FileRole::kDatabase:
      return write_database(f, bytes, amount, offset);
    case FileRole::kWal:
      return write_wal(f, bytes, amount, offset);
    case FileRole::kPassThrough:
      break;
  }
  sqlite3_file* real = real_file(f);
  return real->pMethods->xWrite(real, in, amount, offset);
}

sqlite3_file* real_of(sqlite3_file* file) {
  return real_file(self(file));
}

int x_truncate(sqlite3_file* file, sqlite3_int64 size) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xTruncate(real, size);
}
int x_sync(sqlite3_file* file, int flags) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xSync(real, flags);
}
int x_file_size(sqlite3_file* file, sqlite3_int64* size) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xFileSize(real, size);
}
int x_lock(sqlite3_file* file, int level) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xLock(real, level);
}
int x_unlock(sqlite3_file* file, int level) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xUnlock(real, level);
}
int x_check_reserved_lock(sqlite3_file* file, int* out) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xCheckReservedLock(real, out);
}
int x_file_control(sqlite3_file* file, int op, void* arg) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xFileControl(real, op, arg);
}
int x_sector_size(sqlite3_file* file) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xSectorSize(real);
}
int x_device_characteristics(sqlite3_file* file) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xDeviceCharacteristics(real);
}
int x_shm_map(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xShmMap(real, region, size, extend, out);
}
int x_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xShmLock(real, offset, n, flags);
}
void x_shm_barrier(sqlite3_file* file) {
  sqlite3_file* real = real_of(file);
  real->pMethods->xShmBarrier(real);
}
int x_shm_unmap(sqlite3_file* file, int delete_flag) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xShmUnmap(real, delete_flag);
}

// Version 2: shared memory for the WAL, and no xFetch, so SQLite never maps the file
// into memory and every page passes through x_read.
const sqlite3_io_methods kMethods = {2,
                                     x_close,
                                     x_read,
                                     x_write,
                                     x_truncate,
                                     x_sync,
                                     x_file_size,
                                     x_lock,
                                     x_unlock,
                                     x_check_reserved_lock,
                                     x_file_control,
                                     x_sector_size,
                                     x_device_characteristics,
                                     x_shm_map,
                                     x_shm_lock,
                                     x_shm_barrier,
                                     x_shm_unmap,
                                     nullptr,
                                     nullptr};

// ---- sqlite3_vfs: xOpen by file type, everything else the default VFS's ----

sqlite3_vfs* root_vfs(sqlite3_vfs* vfs) {
  return static_cast<sqlite3_vfs*>(vfs->pAppData);
}

int x_open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  file->pMethods = nullptr;
  const PageKeys* keys = nullptr;
  FileRole role = FileRole::kPassThrough;
  if ((flags & SQLITE_OPEN_MAIN_DB) != 0) {
    keys = t_opening_keys;
    if (keys == nullptr) return SQLITE_CANTOPEN;  // opened without open_encrypted_database()
    role = FileRole::kDatabase;
  } else if ((flags & SQLITE_OPEN_WAL) != 0) {
    sqlite3_file* main = sqlite3_database_file_object(name);
    if (main == nullptr || main->pMethods != &kMethods || self(main)->cipher == nullptr)
      return SQLITE_CANTOPEN;
    keys = &self(main)->cipher->keys();
    role = FileRole::kWal;
  } else if ((flags & (SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_SUPER_JOURNAL)) != 0) {
    // A rollback journal would keep pages in clear; the encrypted store runs in WAL mode.
    t_page_failure =
        "a rollback journal would hold pages in clear: the encrypted store needs WAL mode";
    return SQLITE_CANTOPEN;
  }
  auto* f = new (file) EncryptedFile{};
  f->role = role;
  f->name = name;
  f->header_offset = -1;
  if (keys != nullptr) f->cipher = new PageCipher(*keys);
  sqlite3_vfs* root = root_vfs(vfs);
  sqlite3_file* real = real_file(f);
  const int rc = root->xOpen(root, name, real, flags, out_flags);
  if (rc != SQLITE_OK) {
    delete f->cipher;
    f->cipher = nullptr;
    return rc;
  }
  f->base.pMethods = &kMethods;
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return root_vfs(vfs)->xDelete(root_vfs(vfs), name, sync_dir);
}
int x_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return root_vfs(vfs)->xAccess(root_vfs(vfs), name, flags, out);
}
int x_full_pathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return root_vfs(vfs)->xFullPathname(root_vfs(vfs), name, size, out);
}
void* x_dl_open(sqlite3_vfs* vfs, const char* name) {
  return root_vfs(vfs)->xDlOpen(root_vfs(vfs), name);
}
void x_dl_error(sqlite3_vfs* vfs, int size, char* out) {
  root_vfs(vfs)->xDlError(root_vfs(vfs), size, out);
}
void (*x_dl_sym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return root_vfs(vfs)->xDlSym(root_vfs(vfs), handle, symbol);
}
void x_dl_close(sqlite3_vfs* vfs, void* handle) {
  root_vfs(vfs)->xDlClose(root_vfs(vfs), handle);
}
int x_randomness(sqlite3_vfs* vfs, int size, char* out) {
  return root_vfs(vfs)->xRandomness(root_vfs(vfs), size, out);
}
int x_sleep(sqlite3_vfs* vfs, int microseconds) {
  return root_vfs(vfs)->xSleep(root_vfs(vfs), microseconds);
}
int x_current_time(sqlite3_vfs* vfs, double* out) {
  return root_vfs(vfs)->xCurrentTime(root_vfs(vfs), out);
}
int x_get_last_error(sqlite3_vfs* vfs, int size, char* out) {
  return root_vfs(vfs)->xGetLastError(root_vfs(vfs), size, out);
}
int x_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return root_vfs(vfs)->xCurrentTimeInt64(root_vfs(vfs), out);
}

}  // namespace

const char* encrypted_vfs_name() {
  static const char* const kName = [] {
    sqlite3_vfs* root = sqlite3_vfs_find(nullptr);
    static sqlite3_vfs vfs{};
    vfs.iVersion = 2;
    vfs.szOsFile = static_cast<int>(kFileOffset) + root->szOsFile;
    vfs.mxPathname = root->mxPathname;
    vfs.zName = "fieldsync-aes";
    vfs.pAppData = root;
    vfs.xOpen = x_open;
    vfs.xDelete = x_delete;
    vfs.xAccess = x_access;
    vfs.xFullPathname = x_full_pathname;
    vfs.xDlOpen = x_dl_open;
    vfs.xDlError = x_dl_error;
    vfs.xDlSym = x_dl_sym;
    vfs.xDlClose = x_dl_close;
    vfs.xRandomness = x_randomness;
    vfs.xSleep = x_sleep;
    vfs.xCurrentTime = x_current_time;
    vfs.xGetLastError = x_get_last_error;
    vfs.xCurrentTimeInt64 = x_current_time_int64;
    sqlite3_vfs_register(&vfs, /*makeDflt=*/0);
    return vfs.zName;
  }();
  return kName;
}

int open_encrypted_database(const std::string& path, int flags, const DatabaseKey& key,
                            sqlite3** db) {
  const PageKeys keys = derive_page_keys(key);
  const char* vfs = encrypted_vfs_name();
  t_opening_keys = &keys;
  const int rc = sqlite3_open_v2(path.c_str(), db, flags, vfs);
  t_opening_keys = nullptr;
  return rc;
}

std::string take_page_failure() {
  std::string failure = std::move(t_page_failure);
  t_page_failure.clear();
  return failure;
}

}  // namespace fieldsync

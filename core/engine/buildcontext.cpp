#include "buildcontext.h"

#include "dockerignore.h"
#include "enginelog.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

namespace Shoal::Core {

namespace {

constexpr qint64 ReadChunkBytes = 64 * 1024;

struct ArchiveDeleter
{
    void operator()(archive *a) const { archive_write_free(a); }
};

struct EntryDeleter
{
    void operator()(archive_entry *e) const { archive_entry_free(e); }
};

la_ssize_t appendToBuffer(archive *, void *clientData, const void *buffer, size_t length)
{
    static_cast<QByteArray *>(clientData)
        ->append(static_cast<const char *>(buffer), qsizetype(length));
    return la_ssize_t(length);
}

class ContextPacker
{
public:
    ContextPacker(const QString &root, DockerIgnore ignore)
        : m_root(root)
        , m_ignore(std::move(ignore))
    {}

    PackedContext pack()
    {
        PackedContext result;
        std::unique_ptr<archive, ArchiveDeleter> writer(archive_write_new());
        m_writer = writer.get();
        // Restricted pax: plain ustar unless a name or size needs an extended header.
        archive_write_set_format_pax_restricted(m_writer);
        archive_write_set_bytes_in_last_block(m_writer, 1);
        if (archive_write_open(m_writer, &result.tar, nullptr, &appendToBuffer, nullptr) !=
            ARCHIVE_OK) {
            result.error = archiveError();
            return result;
        }
        addFolder(QString());
        if (m_error.isEmpty() && archive_write_close(m_writer) != ARCHIVE_OK) {
            m_error = archiveError();
        }
        if (!m_error.isEmpty()) {
            result.tar.clear();
            result.error = m_error;
        }
        return result;
    }

private:
    QString archiveError() const
    {
        const char *text = archive_error_string(m_writer);
        return QStringLiteral("cannot write the build context: %1")
            .arg(text ? QString::fromLocal8Bit(text) : QStringLiteral("unknown libarchive error"));
    }

    bool alwaysKept(const QString &relative) const
    {
        return relative == QLatin1String("Dockerfile") ||
               relative == QLatin1String(".dockerignore");
    }

    void addFolder(const QString &relativeFolder)
    {
        const QDir dir(relativeFolder.isEmpty() ? m_root : m_root.filePath(relativeFolder));
        // Sorted, so the same folder always gives the same tar and the engine's cache holds.
        const QStringList names = dir.entryList(
            QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot, QDir::Name);
        for (const QString &name : names) {
            if (!m_error.isEmpty()) {
                return;
            }
            const QString relative =
                relativeFolder.isEmpty() ? name : relativeFolder + QLatin1Char('/') + name;
            const bool excluded = !alwaysKept(relative) && m_ignore.isExcluded(relative);
            const QString absolute = m_root.filePath(relative);
            struct stat info = {};
            if (::lstat(QFile::encodeName(absolute).constData(), &info) != 0) {
                m_error = QStringLiteral("cannot read %1").arg(absolute);
                return;
            }
            if (S_ISDIR(info.st_mode)) {
                if (!excluded) {
                    writeHeader(relative + QLatin1Char('/'), info, AE_IFDIR, 0);
                }
                // An excluded folder is only entered when a "!" line could bring part of
                // it back.
                if (!excluded || m_ignore.hasExceptions()) {
                    addFolder(relative);
                }
            } else if (excluded) {
                continue;
            } else if (S_ISREG(info.st_mode)) {
                addFile(relative, absolute, info);
            } else if (S_ISLNK(info.st_mode)) {
                addSymlink(relative, absolute, info);
            } else {
                qCDebug(lcEngine) << "build context: skipping special file" << absolute;
            }
        }
    }

    bool writeHeader(const QString &relative, const struct stat &info, unsigned int type,
                     qint64 size, const QByteArray &linkTarget = {})
    {
        std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
        const QByteArray path = relative.toUtf8();
        archive_entry_set_pathname_utf8(entry.get(), path.constData());
        archive_entry_set_filetype(entry.get(), type);
        archive_entry_set_perm(entry.get(), info.st_mode & 07777);
        archive_entry_set_size(entry.get(), size);
        archive_entry_set_mtime(entry.get(), info.st_mtim.tv_sec, 0);
        // Owner 0 like the docker CLI: the user's uid means nothing inside the image.
        archive_entry_set_uid(entry.get(), 0);
        archive_entry_set_gid(entry.get(), 0);
        if (!linkTarget.isEmpty()) {
            archive_entry_set_symlink(entry.get(), linkTarget.constData());
        }
        if (archive_write_header(m_writer, entry.get()) < ARCHIVE_WARN) {
            m_error = archiveError();
            return false;
        }
        return true;
    }

    void addFile(const QString &relative, const QString &absolute, const struct stat &info)
    {
        QFile file(absolute);
        if (!file.open(QIODevice::ReadOnly)) {
            m_error = QStringLiteral("cannot read %1: %2").arg(absolute, file.errorString());
            return;
        }
        if (!writeHeader(relative, info, AE_IFREG, qint64(info.st_size))) {
            return;
        }
        qint64 written = 0;
        while (written < qint64(info.st_size)) {
            const QByteArray chunk =
                file.read(std::min<qint64>(ReadChunkBytes, qint64(info.st_size) - written));
            if (chunk.isEmpty()) {
                m_error = QStringLiteral("%1 changed while it was being packed").arg(absolute);
                return;
            }
            if (archive_write_data(m_writer, chunk.constData(), size_t(chunk.size())) < 0) {
                m_error = archiveError();
                return;
            }
            written += chunk.size();
        }
    }

    void addSymlink(const QString &relative, const QString &absolute, const struct stat &info)
    {
        QByteArray raw(4096, '\0');
        const ssize_t length =
            ::readlink(QFile::encodeName(absolute).constData(), raw.data(), size_t(raw.size()));
        if (length <= 0) {
            m_error = QStringLiteral("cannot read the link %1").arg(absolute);
            return;
        }
        raw.truncate(length);
        writeHeader(relative, info, AE_IFLNK, 0, raw);
    }

    QDir m_root;
    DockerIgnore m_ignore;
    archive *m_writer = nullptr;
    QString m_error;
};

} // namespace

PackedContext packBuildContext(const QString &contextDir)
{
    const QFileInfo rootInfo(contextDir);
    if (!rootInfo.isDir()) {
        PackedContext missing;
        missing.error = QStringLiteral("the build context %1 is not a folder").arg(contextDir);
        return missing;
    }
    DockerIgnore ignore;
    QFile ignoreFile(QDir(contextDir).filePath(QStringLiteral(".dockerignore")));
    if (ignoreFile.exists()) {
        if (!ignoreFile.open(QIODevice::ReadOnly)) {
            PackedContext failed;
            failed.error = QStringLiteral("cannot read %1: %2")
                               .arg(ignoreFile.fileName(), ignoreFile.errorString());
            return failed;
        }
        ignore = DockerIgnore::parse(ignoreFile.readAll());
        for (const QString &pattern : ignore.invalidPatterns()) {
            qCWarning(lcEngine).noquote()
                << "ignoring malformed .dockerignore pattern" << pattern << "in" << contextDir;
        }
    }
    return ContextPacker(rootInfo.absoluteFilePath(), std::move(ignore)).pack();
}

} // namespace Shoal::Core

#include <core/engine/buildcontext.h>

#include <QDir>
#include <QFile>
#include <QMap>
#include <QTemporaryDir>
#include <QTest>

#include <archive.h>
#include <archive_entry.h>

using Shoal::Core::packBuildContext;

namespace {

struct TarEntry
{
    QByteArray content;
    int mode = 0;
};

/// Reads the packed tar back with libarchive: path -> content and permission bits.
QMap<QString, TarEntry> readTar(const QByteArray &tar)
{
    QMap<QString, TarEntry> entries;
    archive *reader = archive_read_new();
    archive_read_support_format_tar(reader);
    if (archive_read_open_memory(reader, tar.constData(), size_t(tar.size())) != ARCHIVE_OK) {
        archive_read_free(reader);
        return entries;
    }
    archive_entry *entry = nullptr;
    while (archive_read_next_header(reader, &entry) == ARCHIVE_OK) {
        TarEntry out;
        out.mode = int(archive_entry_perm(entry));
        QByteArray buffer(4096, '\0');
        la_ssize_t n = 0;
        while ((n = archive_read_data(reader, buffer.data(), size_t(buffer.size()))) > 0) {
            out.content += buffer.left(n);
        }
        entries.insert(QString::fromUtf8(archive_entry_pathname(entry)), out);
    }
    archive_read_free(reader);
    return entries;
}

void put(const QDir &root, const QString &relative, const QByteArray &content = "x")
{
    QVERIFY(root.mkpath(QFileInfo(root.filePath(relative)).path()));
    QFile file(root.filePath(relative));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(content);
}

} // namespace

class TestBuildContext : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void testDockerignore_data();
    void testDockerignore();
    void testModesAndContentKept();
    void testMissingFolderIsAnError();
};

void TestBuildContext::testDockerignore_data()
{
    QTest::addColumn<QByteArray>("dockerignore");
    QTest::addColumn<QStringList>("kept");
    QTest::addColumn<QStringList>("leftOut");

    QTest::newRow("no .dockerignore keeps everything")
        << QByteArray() << QStringList{"app/main.py", "cache/a.bin", "notes.md"} << QStringList{};
    QTest::newRow("folder and extension, with a comment and blank line")
        << QByteArray("# local junk\ncache\n\n*.md\n")
        << QStringList{"app/main.py", "app/README.md"}
        << QStringList{"cache/a.bin", "cache/", "notes.md"};
    QTest::newRow("double star reaches every depth")
        << QByteArray("**/*.pyc\n") << QStringList{"app/main.py", "top.py"}
        << QStringList{"app/deep/mod.pyc", "stale.pyc"};
    QTest::newRow("exception brings one file back")
        << QByteArray("cache\n!cache/keep.bin\n") << QStringList{"cache/keep.bin"}
        << QStringList{"cache/a.bin"};
    QTest::newRow("later line wins over the exception")
        << QByteArray("*.md\n!notes.md\nnotes*\n") << QStringList{"app/README.md"}
        << QStringList{"notes.md"};
    QTest::newRow("leading slash and single-segment star")
        << QByteArray("/app/*.py\n") << QStringList{"app/deep/mod.pyc", "top.py"}
        << QStringList{"app/main.py"};
    QTest::newRow("question mark and class")
        << QByteArray("top.p?\ncache/[ab].bin\n") << QStringList{"cache/keep.bin"}
        << QStringList{"top.py", "cache/a.bin"};
    QTest::newRow("Dockerfile and .dockerignore survive exclusion")
        << QByteArray("*\n") << QStringList{"Dockerfile", ".dockerignore"}
        << QStringList{"app/main.py", "top.py"};
}

void TestBuildContext::testDockerignore()
{
    QFETCH(QByteArray, dockerignore);
    QFETCH(QStringList, kept);
    QFETCH(QStringList, leftOut);

    // Given a context with a few folders,
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QDir root(dir.path());
    put(root, QStringLiteral("Dockerfile"), "FROM scratch\nCOPY . /srv\n");
    const QStringList files = {QStringLiteral("app/main.py"),      QStringLiteral("app/README.md"),
                               QStringLiteral("app/deep/mod.pyc"), QStringLiteral("cache/a.bin"),
                               QStringLiteral("cache/keep.bin"),   QStringLiteral("notes.md"),
                               QStringLiteral("stale.pyc"),        QStringLiteral("top.py")};
    for (const QString &path : files) {
        put(root, path, path.toUtf8());
    }
    if (!dockerignore.isEmpty()) {
        put(root, QStringLiteral(".dockerignore"), dockerignore);
    }

    // when it is packed,
    const auto packed = packBuildContext(dir.path());

    // then the tar holds what .dockerignore keeps and nothing it leaves out.
    QVERIFY2(packed.error.isEmpty(), qPrintable(packed.error));
    const auto entries = readTar(packed.tar);
    QVERIFY(entries.contains(QStringLiteral("Dockerfile")));
    for (const QString &path : kept) {
        QVERIFY2(entries.contains(path), qPrintable(path + " missing"));
    }
    for (const QString &path : leftOut) {
        QVERIFY2(!entries.contains(path), qPrintable(path + " should be left out"));
    }
}

void TestBuildContext::testModesAndContentKept()
{
    QTemporaryDir dir;
    const QDir root(dir.path());
    put(root, QStringLiteral("Dockerfile"), "FROM scratch\n");
    put(root, QStringLiteral("bin/start.sh"), "#!/bin/sh\necho go\n");
    QVERIFY(QFile::setPermissions(root.filePath(QStringLiteral("bin/start.sh")),
                                  QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                      QFileDevice::ExeOwner | QFileDevice::ReadGroup |
                                      QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                      QFileDevice::ExeOther));
    put(root, QStringLiteral("conf/app.ini"), "[main]\nport=8080\n");
    QVERIFY(QFile::setPermissions(root.filePath(QStringLiteral("conf/app.ini")),
                                  QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    const QString link = root.filePath(QStringLiteral("conf/link.ini"));
    QVERIFY(QFile::link(QStringLiteral("app.ini"), link));

    const auto packed = packBuildContext(dir.path());

    QVERIFY2(packed.error.isEmpty(), qPrintable(packed.error));
    const auto entries = readTar(packed.tar);
    QCOMPARE(entries.value(QStringLiteral("bin/start.sh")).mode, 0755);
    QCOMPARE(entries.value(QStringLiteral("bin/start.sh")).content,
             QByteArray("#!/bin/sh\necho go\n"));
    QCOMPARE(entries.value(QStringLiteral("conf/app.ini")).mode, 0600);
    QVERIFY(entries.contains(QStringLiteral("conf/link.ini")));
}

void TestBuildContext::testMissingFolderIsAnError()
{
    const auto packed = packBuildContext(QStringLiteral("/nonexistent/shoaltest-engine-context"));

    QVERIFY(!packed.error.isEmpty());
    QVERIFY(packed.tar.isEmpty());
}

QTEST_GUILESS_MAIN(TestBuildContext)
#include "tst_buildcontext.moc"

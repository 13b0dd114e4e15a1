#include <core/compose/shellsplitter.h>

#include <QTest>

using Shoal::Core::ShellSplitter;

class TestShellSplitter : public QObject
{
    Q_OBJECT

private slots:
    void testSplits_data();
    void testSplits();
    void testOpenQuoteIsAnError();
};

void TestShellSplitter::testSplits_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("words");

    QTest::newRow("words") << "npm run start" << QStringList{"npm", "run", "start"};
    QTest::newRow("extra blanks") << "  a \t b  " << QStringList{"a", "b"};
    QTest::newRow("double quotes") << "echo \"a b\" c" << QStringList{"echo", "a b", "c"};
    QTest::newRow("single quotes keep backslash") << "echo 'a\\b'" << QStringList{"echo", "a\\b"};
    QTest::newRow("escaped blank") << "a\\ b" << QStringList{"a b"};
    QTest::newRow("empty quoted word") << "x \"\"" << QStringList{"x", ""};
    QTest::newRow("quotes join a word") << "--opt=\"1 2\"" << QStringList{"--opt=1 2"};
    QTest::newRow("escaped quote in double quotes")
        << "\"say \\\"hi\\\"\"" << QStringList{"say \"hi\""};
    QTest::newRow("empty") << "" << QStringList{};
}

void TestShellSplitter::testSplits()
{
    QFETCH(QString, text);
    QFETCH(QStringList, words);

    QCOMPARE(ShellSplitter::split(text), std::optional<QStringList>(words));
}

void TestShellSplitter::testOpenQuoteIsAnError()
{
    QVERIFY(!ShellSplitter::split(QStringLiteral("echo \"open")).has_value());
    QVERIFY(!ShellSplitter::split(QStringLiteral("echo 'open")).has_value());
}

QTEST_GUILESS_MAIN(TestShellSplitter)
#include "tst_shellsplitter.moc"

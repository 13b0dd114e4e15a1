#include <core/proxy/bufferpool.h>

#include <QTest>

using Shoal::Core::BufferPool;

class TestBufferPool : public QObject
{
    Q_OBJECT

private slots:
    void testGivenBufferIsTakenAgain()
    {
        BufferPool pool(4096, 2);
        std::unique_ptr<char[]> first = pool.take();
        // As void *: QCOMPARE would compare char pointers as strings.
        const void *const address = first.get();
        pool.give(std::move(first), 4096);
        QCOMPARE(pool.spareCount(), std::size_t(1));

        const void *const again = pool.take().get();
        QCOMPARE(again, address);
        QCOMPARE(pool.spareCount(), std::size_t(0));
    }

    void testKeepsNoMoreThanItsLimit()
    {
        BufferPool pool(4096, 2);
        for (int i = 0; i < 5; ++i) {
            pool.give(std::unique_ptr<char[]>(new char[4096]), 4096);
        }
        QCOMPARE(pool.spareCount(), std::size_t(2));
    }

    void testOtherSizesAndNullAreNotKept()
    {
        BufferPool pool(4096, 4);
        // A buffer that grew for a streamed body must not come back as a small one.
        pool.give(std::unique_ptr<char[]>(new char[65536]), 65536);
        pool.give(nullptr, 4096);
        QCOMPARE(pool.spareCount(), std::size_t(0));
    }
};

QTEST_APPLESS_MAIN(TestBufferPool)
#include "tst_bufferpool.moc"

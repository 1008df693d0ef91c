import unittest

import bench_testing
import bytes_plot


class SeriesTest(unittest.TestCase):
    def test_runs_are_grouped_by_protocol_and_sorted_by_size(self):
        text = (
            "### loss: nodes=300 victims=1 loss=0% seed=1: 1472.4 B/node/s, "
            "30.5 packets/node/s, observer pauses 0, wall 19.62 s for 61 "
            "simulated s, protocol 2, peak RSS 116 MB\n"
            "### loss: nodes=30 victims=1 loss=0% seed=1: 32851.6 B/node/s, "
            "30.1 packets/node/s, observer pauses 0, wall 3.48 s for 60 "
            "simulated s, protocol 1, peak RSS 22 MB\n"
            "### loss: nodes=30 victims=1 loss=0% seed=1: 1471.2 B/node/s, "
            "30.5 packets/node/s, observer pauses 0, wall 0.64 s for 60 "
            "simulated s, protocol 2, peak RSS 22 MB\n")
        data = bytes_plot.series([text])
        self.assertEqual(data[1], [(30, 32851.6)])
        self.assertEqual(data[2], [(30, 1471.2), (300, 1472.4)])

    def test_an_old_header_without_a_protocol_is_protocol_one(self):
        text = ("### crash: nodes=10 victims=1 loss=0% seed=1: 9972.0 B/node/s,"
                " 28.0 packets/node/s, observer pauses 0, wall 0.1 s for 60 "
                "simulated s\n")
        self.assertEqual(bytes_plot.series([text]), {1: [(10, 9972.0)]})


if __name__ == "__main__":
    bench_testing.main()

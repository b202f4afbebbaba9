"""The timing protocol every peer script shares, so the peers are timed alike: an optional warm-up run, then
`repeat` timed runs; the JSON gets every time and the median, in seconds."""
import statistics
import time


def timed(fn, repeat, warm_up=True):
    if warm_up:
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {"median": statistics.median(times), "times": times}

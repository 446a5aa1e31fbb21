# sensors.py - the sensor-alerts benchmark in plain Python 3: drop readings
# outside -40..125; write an alert (ts,sensor_id,site,value,mean) for a
# reading over 3x its sensor's mean so far, once the sensor has 10 readings;
# at the end, one summary row per sensor, in the order sensors first came.
# Usage: python3 sensors.py readings.csv alerts.csv summary.csv
import csv
import sys


def text(x):
    """rgp's float text: repr() is already the shortest round trip; rgp drops '.0'."""
    s = repr(x)
    return s[:-2] if s.endswith(".0") else s


def main(src, alerts_path, summary_path):
    sensors = {}  # sensor_id -> [n, sum, lo, hi]; dicts keep the order keys came
    with open(src, newline="") as fin, open(alerts_path, "w", newline="") as fout:
        rows = csv.reader(fin)
        alerts = csv.writer(fout, lineterminator="\n")
        next(rows)  # the header
        alerts.writerow(("ts", "sensor_id", "site", "value", "mean"))
        for sensor_id, site, value, ts in rows:
            v = float(value)
            if v < -40.0 or v > 125.0:
                continue
            s = sensors.get(sensor_id)
            if s is None:
                s = sensors[sensor_id] = [0, 0.0, v, v]
            n, total = s[0], s[1]
            if n >= 10 and v > 3.0 * total / n:
                alerts.writerow((ts, sensor_id, site, text(v), text(total / n)))
            s[0] = n + 1
            s[1] = total + v
            if v < s[2]:
                s[2] = v
            if v > s[3]:
                s[3] = v
    with open(summary_path, "w", newline="") as fout:
        summary = csv.writer(fout, lineterminator="\n")
        summary.writerow(("sensor_id", "readings", "mean", "lo", "hi"))
        for sensor_id, (n, total, lo, hi) in sensors.items():
            summary.writerow((sensor_id, n, text(total / n), text(lo), text(hi)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])

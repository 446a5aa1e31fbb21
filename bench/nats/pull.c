/* The contender of bench/nats/run.sh: a minimal hand-written libnats pull
 * consumer that fetches batches of up to 4096 messages, acks each one and
 * flushes once a batch, as rgp's nats source does, and counts them. It stops
 * after a fetch that waited 500 ms for nothing (rgp's idle: 500 ms).
 * Usage: pull URL STREAM SUBJECT DURABLE; prints the messages it read. */
#include <nats/nats.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 5) return 2;
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    natsSubscription *sub = NULL;
    jsErrCode je = 0;
    if (natsConnection_ConnectTo(&nc, argv[1]) != NATS_OK || natsConnection_JetStream(&js, nc, NULL) != NATS_OK) return 1;
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = argv[2];
    so.Config.AckPolicy = js_AckExplicit;
    so.Config.MaxAckPending = 4096;
    if (js_PullSubscribe(&sub, js, argv[3], argv[4], NULL, &so, &je) != NATS_OK) return 1;
    unsigned long long n = 0, bytes = 0;
    for (;;) {
        natsMsgList list = {0};
        natsStatus s = natsSubscription_Fetch(&list, sub, 4096, 500, &je);
        if (s != NATS_OK) break;
        for (int i = 0; i < list.Count; i++) {
            bytes += (unsigned long long)natsMsg_GetDataLength(list.Msgs[i]);
            natsMsg_Ack(list.Msgs[i], NULL);
        }
        natsConnection_FlushTimeout(nc, 5000);
        n += (unsigned long long)list.Count;
        natsMsgList_Destroy(&list);
    }
    printf("%llu\n", n);
    (void)bytes;
    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return 0;
}

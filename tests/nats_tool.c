/* nats_tool: the other end of tests/nats.sh, on libnats (there is no `nats` CLI
 * in Debian). Commands:
 *   nats_tool URL create STREAM SUBJECT [R]      a file-stored stream (replaced if there), R replicas (1)
 *   nats_tool URL leader STREAM                  the name of the server that leads the stream
 *   nats_tool URL publish SUBJECT FIRST N KEYS   N records {"key":"kK","seq":S} to SUBJECT.kK,
 *                                                S from FIRST, K = S % KEYS; waits for every ack
 *   nats_tool URL raw SUBJECT TEXT               one message with TEXT as its data
 *   nats_tool URL dump STREAM SUBJECT            every message's data on its own line
 *   nats_tool URL count STREAM                   the stream's number of messages */
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what, natsStatus s, jsErrCode e)
{
    fprintf(stderr, "nats_tool: %s: %s (%d)\n", what, natsStatus_GetText(s), (int)e);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: nats_tool URL create|publish|raw|dump|count ...\n");
        return 2;
    }
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    jsErrCode je = 0;
    natsStatus s = natsConnection_ConnectTo(&nc, argv[1]);
    if (s != NATS_OK) die("connect", s, 0);
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = 4096;
    jo.PublishAsync.StallWait = 30000;   /* a loaded machine: wait for acks, do not fail at the 200 ms default */
    if ((s = natsConnection_JetStream(&js, nc, &jo)) != NATS_OK) die("jetstream", s, 0);
    const char *cmd = argv[2];
    if (!strcmp(cmd, "create") && (argc == 5 || argc == 6)) {
        js_DeleteStream(js, argv[3], NULL, NULL);
        jsStreamConfig cfg;
        jsStreamConfig_Init(&cfg);
        cfg.Name = argv[3];
        const char *subj[1] = {argv[4]};
        cfg.Subjects = subj;
        cfg.SubjectsLen = 1;
        cfg.Storage = js_FileStorage;
        cfg.Replicas = argc == 6 ? atoi(argv[5]) : 1;
        jsStreamInfo *si = NULL;
        if ((s = js_AddStream(&si, js, &cfg, NULL, &je)) != NATS_OK) die("add stream", s, je);
        jsStreamInfo_Destroy(si);
    } else if (!strcmp(cmd, "publish") && argc == 7) {
        unsigned long long first = strtoull(argv[4], NULL, 10), n = strtoull(argv[5], NULL, 10), keys = strtoull(argv[6], NULL, 10);
        for (unsigned long long i = first; i < first + n; i++) {
            char subj[256], data[128];
            snprintf(subj, sizeof subj, "%s.k%llu", argv[3], i % keys);
            int len = snprintf(data, sizeof data, "{\"key\":\"k%llu\",\"seq\":%llu}", i % keys, i);
            if ((s = js_PublishAsync(js, subj, data, len, NULL)) != NATS_OK) die("publish", s, 0);
        }
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = 30000;
        if ((s = js_PublishAsyncComplete(js, &po)) != NATS_OK) die("publish acks", s, 0);
        natsMsgList pending = {0};
        if (js_PublishAsyncGetPendingList(&pending, js) == NATS_OK && pending.Count) {
            fprintf(stderr, "nats_tool: %d publishes not acknowledged\n", pending.Count);
            return 1;
        }
    } else if (!strcmp(cmd, "raw") && argc == 5) {
        jsPubAck *pa = NULL;
        if ((s = js_Publish(&pa, js, argv[3], argv[4], (int)strlen(argv[4]), NULL, &je)) != NATS_OK) die("publish", s, je);
        jsPubAck_Destroy(pa);
    } else if (!strcmp(cmd, "dump") && argc == 5) {
        jsSubOptions so;
        jsSubOptions_Init(&so);
        so.Stream = argv[3];
        so.Config.AckPolicy = js_AckNone;
        so.Config.DeliverPolicy = js_DeliverAll;
        natsSubscription *sub = NULL;
        if ((s = js_SubscribeSync(&sub, js, argv[4], &jo, &so, &je)) != NATS_OK) die("subscribe", s, je);
        natsMsg *m = NULL;
        while (natsSubscription_NextMsg(&m, sub, 1000) == NATS_OK) {   /* a second without one: the end */
            fwrite(natsMsg_GetData(m), 1, (size_t)natsMsg_GetDataLength(m), stdout);
            putchar('\n');
            natsMsg_Destroy(m);
        }
        natsSubscription_Unsubscribe(sub);
        natsSubscription_Destroy(sub);
    } else if (!strcmp(cmd, "leader") && argc == 4) {
        jsStreamInfo *si = NULL;
        if ((s = js_GetStreamInfo(&si, js, argv[3], NULL, &je)) != NATS_OK) die("stream info", s, je);
        if (!si->Cluster || !si->Cluster->Leader) die("stream info: no leader", NATS_ERR, 0);
        printf("%s\n", si->Cluster->Leader);
        jsStreamInfo_Destroy(si);
    } else if (!strcmp(cmd, "count") && argc == 4) {
        jsStreamInfo *si = NULL;
        if ((s = js_GetStreamInfo(&si, js, argv[3], NULL, &je)) != NATS_OK) die("stream info", s, je);
        printf("%llu\n", (unsigned long long)si->State.Msgs);
        jsStreamInfo_Destroy(si);
    } else {
        fprintf(stderr, "nats_tool: bad command or arguments\n");
        return 2;
    }
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return 0;
}

"""The media relay: server-side WebRTC peers for lessons and large meetings (aiortc).

This package is the only place that imports aiortc. A publisher (the lecturer's browser, or every
participant of a meeting in relay mode) sends its camera, microphone and screen to the server;
each of its tracks is decoded once and encoded once (:mod:`meetings.media.fanout`), and every
viewer's sender is handed the same encoded packets, which aiortc packetises without encoding
again. The cost of one more viewer is therefore packetising, encrypting and sending, not a video
encode. Signalling goes through the realtime gateway (:mod:`meetings.media.signalling`); the peer
connections live in the media worker (:mod:`meetings.media.worker`), a separate process in
production and a task inside the web process on the embedded default.
"""

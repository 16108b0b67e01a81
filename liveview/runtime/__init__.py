"""The live runtime: hosts joined LiveViews on websockets and turns what they do into frames.

`consumer` owns the websocket; `router` sends each frame to its topic (`lv:` views and `lvu:`
uploads side by side); `view_channel` runs one view as an actor with an ordered mailbox;
`outbound` builds every frame a view sends; `render_state` keeps what the client holds.
The runtime knows views and sockets only through the protocols in `hosted`.
See docs/internals.md for the architecture.
"""

"""Remote kernels behind a Jupyter Kernel Gateway.

``client`` talks to the gateway (REST + WebSocket) and offers the same surface as
``kernels.runtime.KernelHandle``; ``server`` holds the gateway-side classes (a kernel manager that gives
every kernel its own directory, the ipc transport and exactly the environment the client sent, so both
jaxtutor provisioners run unchanged behind the gateway, and a websocket connection with TCP_NODELAY);
``kernelspec`` writes the kernelspec the gateway serves.
"""

"""Remote kernels behind a Jupyter Kernel Gateway.

``client`` offers the same surface as ``kernels.runtime.KernelHandle`` (start, attach under a session id,
execute), built on ``rest`` (the REST calls and the start request, with Enterprise Gateway's resource
variables) and ``channels`` (the websocket); ``server`` holds the gateway-side classes (a kernel manager that gives
every kernel its own directory, the ipc transport and exactly the environment the client sent, so both
jaxtutor provisioners run unchanged behind the gateway, and a websocket connection with TCP_NODELAY);
``kernelspec`` writes the kernelspec the gateway serves.
"""

import socket

tcp_client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp_client_socket.connect(("192.168.131.62", 8080))
send_content = "你好，我是客户端小白"
tcp_client_socket.send(send_content.encode("gbk"))
recv_data = tcp_client_socket.recv(1024)
recv_content = recv_data.decode("gbk")
print("接收服务端的数据为:", recv_content)
tcp_client_socket.close()
